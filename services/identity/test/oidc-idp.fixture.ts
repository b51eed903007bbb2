import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';

/**
 * A real OpenID Provider (the `oidc-provider` package) on 127.0.0.1 for the SSO tests, with
 * login and consent pages that a test drives over HTTP like a browser would. PKCE is required
 * of every client, so a relying party that forgets it fails here as it would at a strict IdP.
 */

/** An end user of the test IdP; the fields are the claims it releases. */
export interface IdpAccount {
  sub: string;
  email?: string;
  email_verified?: boolean;
  given_name?: string;
  family_name?: string;
  preferred_username?: string;
  groups?: string[];
}

export interface IdpClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

export interface TestIdp {
  /** The issuer identifier (`http://127.0.0.1:<port>`). */
  issuer: string;
  /** `127.0.0.1:<port>`, for OPENFOUNDRY_OUTBOUND_ALLOW_HOSTS. */
  host: string;
  /** Accounts by `sub`; tests may change them between sign-ins. */
  accounts: Map<string, IdpAccount>;
  /** Query parameters of every authorization request received, oldest first. */
  authorizationRequests: URLSearchParams[];
  registerClient(client: IdpClient): Promise<void>;
  /**
   * Signs `sub` in, from the relying party's login URL to the first response that is not a
   * redirect or whose URL satisfies `stopAt` (to tamper with the callback before it is sent).
   */
  signIn(browser: TestBrowser, startUrl: string, sub: string, options?: { stopAt?: (url: URL) => boolean; deny?: boolean }): Promise<BrowserStep>;
  close(): Promise<void>;
}

/** One response the browser saw. */
export interface BrowserStep {
  url: URL;
  status: number;
  location: string | undefined;
  body: string;
}

interface StoredCookie {
  name: string;
  value: string;
  path: string;
}

/**
 * A minimal browser: per-origin cookie jar (with path scoping, as IdP interaction cookies rely on
 * it) and manual redirects, so a test sees every hop.
 */
export class TestBrowser {
  private readonly jar = new Map<string, StoredCookie[]>();

  cookie(origin: string, name: string): string | undefined {
    return this.jar.get(new URL(origin).origin)?.find((c) => c.name === name)?.value;
  }

  setCookie(origin: string, name: string, value: string, path = '/'): void {
    const o = new URL(origin).origin;
    const list = (this.jar.get(o) ?? []).filter((c) => !(c.name === name && c.path === path));
    list.push({ name, value, path });
    this.jar.set(o, list);
  }

  private cookieHeader(url: URL): string | undefined {
    const list = (this.jar.get(url.origin) ?? []).filter((c) => url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`));
    return list.length ? list.map((c) => `${c.name}=${c.value}`).join('; ') : undefined;
  }

  private store(url: URL, res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i).trim();
      const value = pair!.slice(i + 1).trim();
      const pathAttr = attrs.map((a) => a.trim()).find((a) => /^path=/i.test(a));
      const path = pathAttr ? pathAttr.slice(5) : '/';
      const expired = value === '' || attrs.some((a) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(a));
      const o = url.origin;
      const list = (this.jar.get(o) ?? []).filter((c) => !(c.name === name && c.path === path));
      if (!expired) list.push({ name, value, path });
      this.jar.set(o, list);
    }
  }

  async request(method: 'GET' | 'POST', target: string | URL, form?: Record<string, string>): Promise<BrowserStep> {
    const url = new URL(target);
    const headers: Record<string, string> = {};
    const cookie = this.cookieHeader(url);
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (form) {
      body = new URLSearchParams(form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const res = await fetch(url, { method, headers, body, redirect: 'manual' });
    this.store(url, res);
    return { url, status: res.status, location: res.headers.get('location') ?? undefined, body: await res.text() };
  }

  /** GETs `start` and follows redirects until a non-redirect or a URL matching `stopAt`. */
  async follow(start: string | URL, stopAt?: (url: URL) => boolean, first?: BrowserStep): Promise<BrowserStep> {
    let step = first ?? (await this.request('GET', start));
    for (let hops = 0; hops < 20; hops++) {
      if (step.status < 300 || step.status >= 400 || !step.location) return step;
      const next = new URL(step.location, step.url);
      if (stopAt?.(next)) return { url: next, status: 0, location: undefined, body: '' };
      step = await this.request('GET', next);
    }
    throw new Error(`too many redirects from ${String(start)}`);
  }
}

function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', reject);
  });
}

function page(res: ServerResponse, status: number, html: string): void {
  res.statusCode = status;
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.end(`<!doctype html><html><body>${html}</body></html>`);
}

/** Starts the IdP on a free loopback port. Register the relying party with `registerClient`. */
export async function startTestIdp(): Promise<TestIdp> {
  const accounts = new Map<string, IdpAccount>();
  const authorizationRequests: URLSearchParams[] = [];
  let provider: Provider | undefined;

  async function interaction(req: IncomingMessage, res: ServerResponse, p: Provider): Promise<void> {
    const url = new URL(req.url!, 'http://idp');
    const [, , uid, action] = url.pathname.split('/');
    const details = await p.interactionDetails(req, res);
    if (details.uid !== uid) return page(res, 400, 'interaction mismatch');
    if (req.method === 'GET') {
      if (details.prompt.name === 'login') {
        return page(res, 200, `<form method="post" action="/interaction/${uid}/login"><input name="login"><button>Sign in</button></form>`);
      }
      return page(res, 200, `<form method="post" action="/interaction/${uid}/confirm"><button>Allow</button></form><form method="post" action="/interaction/${uid}/abort"><button>Deny</button></form>`);
    }
    const form = await readForm(req);
    if (action === 'login') {
      const sub = form.get('login') ?? '';
      if (!accounts.has(sub)) return page(res, 401, 'unknown account');
      return p.interactionFinished(req, res, { login: { accountId: sub } }, { mergeWithLastSubmission: false });
    }
    if (action === 'confirm') {
      const { missingOIDCScope, missingOIDCClaims } = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
      const grant = details.grantId
        ? (await p.Grant.find(details.grantId))!
        : new p.Grant({ accountId: details.session!.accountId, clientId: details.params.client_id as string });
      if (missingOIDCScope?.length) grant.addOIDCScope(missingOIDCScope.join(' '));
      if (missingOIDCClaims?.length) grant.addOIDCClaims(missingOIDCClaims);
      const grantId = await grant.save();
      return p.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    }
    if (action === 'abort') {
      return p.interactionFinished(req, res, { error: 'access_denied', error_description: 'the user denied the request' }, { mergeWithLastSubmission: false });
    }
    return page(res, 404, 'unknown interaction action');
  }

  const server: Server = createServer((req, res) => {
    if (!provider) return page(res, 503, 'no client registered yet');
    const p = provider;
    const url = new URL(req.url!, 'http://idp');
    if (url.pathname.startsWith('/interaction/')) {
      interaction(req, res, p).catch((e: Error) => page(res, 500, `interaction failed: ${e.message}`));
      return;
    }
    if (url.pathname === '/auth' && req.method === 'GET') authorizationRequests.push(url.searchParams);
    p.callback()(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://127.0.0.1:${port}`;

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'test-key' };

  const configuration: Configuration = {
    jwks: { keys: [jwk as never] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    findAccount: async (_ctx, sub) => {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return { accountId: sub, claims: async () => ({ ...account, sub }) };
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['given_name', 'family_name', 'preferred_username'],
      groups: ['groups'],
    },
    scopes: ['openid', 'email', 'profile', 'groups', 'offline_access'],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, i) => `/interaction/${i.uid}` },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 600, Grant: 600 },
    // Keep the test output clean of the library's own error pages' stack details.
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = `<!doctype html><pre>${String(out.error)}: ${String(out.error_description ?? '')}</pre>`;
    },
  };
  const clients: IdpClient[] = [];

  return {
    issuer,
    host: `127.0.0.1:${port}`,
    accounts,
    authorizationRequests,
    async registerClient(client) {
      clients.push(client);
      // Static clients are fixed at construction; a new provider keeps tests free to register late.
      provider = new Provider(issuer, {
        ...configuration,
        clients: clients.map((c) => ({
          client_id: c.clientId,
          client_secret: c.clientSecret,
          redirect_uris: c.redirectUris,
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
        })),
      });
    },
    async signIn(browser, startUrl, sub, options = {}) {
      let step = await browser.follow(startUrl, options.stopAt);
      for (let rounds = 0; rounds < 4; rounds++) {
        if (step.status !== 200 || !step.url.pathname.startsWith('/interaction/')) return step;
        const uid = step.url.pathname.split('/')[2]!;
        const action = step.body.includes('/login"') ? 'login' : options.deny ? 'abort' : 'confirm';
        const posted = await browser.request('POST', new URL(`/interaction/${uid}/${action}`, issuer), action === 'login' ? { login: sub } : {});
        step = await browser.follow(posted.url, options.stopAt, posted);
      }
      return step;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
