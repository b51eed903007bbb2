import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openPage, step } from './support/browser.js';
import { submitSignIn, useJourney } from './support/journey.js';

/**
 * An administrator registers an OAuth client in the web app; an application then sends the
 * browser to the authorize endpoint, the user signs in, consents on the consent page, and the
 * application exchanges the code (PKCE) for a token that calls the API as that user.
 */
describe('browser journey: OAuth client registration and consent', () => {
  const journey = useJourney('Consent Org');

  it('registers a client, signs in through the authorize redirect, consents and gets a working token', async () => {
    const redirectUri = `${journey.ts.url}/callback`;
    const admin = await journey.browser.newContext({ baseURL: journey.ts.url, viewport: { width: 1400, height: 900 } });
    const { page, problems } = await openPage(admin);

    let clientId = '';
    let clientSecret = '';
    await step(page, 'register an OAuth client', async () => {
      await page.goto('/admin/oauth-clients');
      await page.waitForURL(/\/login\?next=%2Fadmin%2Foauth-clients$/);
      await submitSignIn(page, journey.org.admin);
      await page.getByRole('heading', { name: 'OAuth clients', exact: true }).waitFor();
      await page.getByRole('button', { name: 'Register client' }).click();
      const dialog = page.getByRole('dialog', { name: 'Register an OAuth client' });
      await dialog.getByLabel('Name', { exact: true }).fill('Reporting dashboard');
      await dialog.getByLabel('Redirect URIs').fill(redirectUri);
      // Blueprint draws its own box over a visually hidden input: click the label.
      await dialog.getByText('api:admin-read', { exact: true }).click();
      expect(await dialog.getByRole('checkbox', { name: /api:admin-read/ }).isChecked()).toBe(true);
      await dialog.getByRole('button', { name: 'Register', exact: true }).click();
      const done = page.getByRole('dialog', { name: 'Client registered' });
      clientSecret = await done.getByTestId('client-secret').inputValue();
      clientId = await done.getByLabel('Client id').inputValue();
      expect(clientId).toMatch(/\S/);
      expect(clientSecret.length).toBeGreaterThan(20);
      await done.getByRole('button', { name: 'Done' }).click();
      await page.getByRole('cell', { name: clientId }).waitFor();
    });

    // A fresh browser: the application sends the user to the authorize endpoint.
    const userContext = await journey.browser.newContext({ baseURL: journey.ts.url, viewport: { width: 1400, height: 900 } });
    const user = await openPage(userContext);
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const state = randomBytes(8).toString('hex');
    let code = '';
    await step(user.page, 'sign in and consent', async () => {
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: clientId,
        redirect_uri: redirectUri,
        scope: 'api:admin-read',
        state,
        code_challenge: challenge,
        code_challenge_method: 'S256',
      });
      await user.page.goto(`/multipass/api/oauth2/authorize?${query}`);
      await user.page.waitForURL(/\/login\?next=%2Fmultipass%2Fapi%2Foauth2%2Fauthorize/);
      await submitSignIn(user.page, journey.org.admin);
      await user.page.waitForURL(/\/oauth\/consent\?/);
      await user.page.getByRole('heading', { name: 'Reporting dashboard wants to use your account' }).waitFor();
      expect(await user.page.getByTestId('consent-scopes').textContent()).toContain('api:admin-read');
      await user.page.getByRole('button', { name: 'Allow' }).click();
      await user.page.waitForURL((url) => url.pathname === '/callback');
      const back = new URL(user.page.url());
      expect(back.searchParams.get('state')).toBe(state);
      code = back.searchParams.get('code') ?? '';
      expect(code).toMatch(/\S/);
    });

    // The application's back end: code + PKCE verifier + client secret for a token.
    const tokenResponse = await fetch(`${journey.ts.url}/multipass/api/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier, client_id: clientId, client_secret: clientSecret }),
    });
    expect(tokenResponse.status).toBe(200);
    const token = (await tokenResponse.json()) as { access_token: string; scope: string };
    expect(token.scope).toBe('api:admin-read');
    const me = await fetch(`${journey.ts.url}/api/v2/admin/users/getCurrent`, { headers: { authorization: `Bearer ${token.access_token}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { id: string }).id).toBe(journey.org.admin.userId);

    expect(problems).toEqual([]);
    expect(user.problems).toEqual([]);
    await admin.close();
    await userContext.close();
  });
});
