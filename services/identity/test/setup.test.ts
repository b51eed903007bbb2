import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, expectEnvelope, startTestServer, type TestServer } from '@openfoundry/testkit';
import { IP_THROTTLE } from '@openfoundry/identity';
import { HOUR, TestClock, auditEvents, countRows } from './identity.helpers.js';

let ts: TestServer;
const clock = new TestClock();

beforeAll(async () => {
  ts = await startTestServer({ clock });
});
afterAll(async () => {
  await ts?.close();
});

const body = (token: string, extra: Record<string, unknown> = {}) => ({
  token,
  organizationName: 'First Org',
  email: 'founder@example.test',
  password: 'a long enough passphrase',
  givenName: 'Fay',
  familyName: 'Founder',
  ...extra,
});

describe('first-start setup', () => {
  it('refuses bad input, wrong and expired tokens, creating nothing', async () => {
    const bootstrap = ts.server.platform.identity.bootstrap;
    const token = await bootstrap.createSetupToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expectEnvelope(await ts.anonymous.post('/api/v2/auth/setup', body('ofsetup_wrong')), 403, 'InvalidSetupToken');
    expectEnvelope(await ts.anonymous.post('/api/v2/auth/setup', body(token, { password: 'short' })), 400, 'PasswordTooShort');
    expect(expectEnvelope(await ts.anonymous.post('/api/v2/auth/setup', body(token, { email: 'not-an-email' })), 400, 'InvalidArgument').parameters.field).toBe('body.email');
    expect(expectEnvelope(await ts.anonymous.post('/api/v2/auth/setup', body(token, { admin: true })), 400, 'InvalidArgument').parameters.field).toContain('admin');
    expect(expectEnvelope(await ts.anonymous.post('/api/v2/auth/setup', body(token, { organizationName: ' ' })), 400, 'InvalidDisplayName').parameters.parameter).toBe(
      'organizationName',
    );

    const expiring = await bootstrap.createSetupToken();
    clock.advance(25 * HOUR);
    try {
      expectEnvelope(await ts.anonymous.post('/api/v2/auth/setup', body(expiring)), 403, 'InvalidSetupToken');
    } finally {
      clock.advance(-25 * HOUR);
    }
    expect(await bootstrap.hasUsers()).toBe(false);
    expect(await countRows(ts, 'identity.organizations')).toBe(0);
    const denied = await auditEvents(ts, { category: 'auth.setup', orgRid: null });
    expect(denied.map((e) => e.outcome)).toEqual(['denied', 'denied']);
  });

  it('consumes the token once: creates the org and its admin and signs in', async () => {
    const bootstrap = ts.server.platform.identity.bootstrap;
    const token = await bootstrap.createSetupToken();
    const client = new HttpClient(ts.url);
    const res = await client.post('/api/v2/auth/setup', body(token));
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ email: 'founder@example.test', givenName: 'Fay', familyName: 'Founder', organizationAdmin: true });
    client.csrfToken = res.body.csrfToken;
    const session = await client.get('/api/v2/auth/session');
    expect(session.body.organization.name).toBe('First Org');
    expect((await client.post('/api/v2/admin/groups', { name: 'Founders', organizations: [session.body.organization.rid] })).status).toBe(200);

    expectEnvelope(await ts.anonymous.post('/api/v2/auth/setup', body(token, { email: 'second@example.test' })), 412, 'SetupAlreadyCompleted');
    const fresh = await bootstrap.createSetupToken();
    expectEnvelope(await ts.anonymous.post('/api/v2/auth/setup', body(fresh, { email: 'third@example.test' })), 412, 'SetupAlreadyCompleted');
    expect(await countRows(ts, 'identity.users')).toBe(1);

    const orgRid = session.body.organization.rid as string;
    const events = await auditEvents(ts, { orgRid });
    expect(events.map((e) => e.category)).toEqual(expect.arrayContaining(['organization.create', 'user.create', 'auth.setup', 'group.create']));
    expect(ts.logs()).not.toContain(token);
    expect(ts.logs()).not.toContain('a long enough passphrase');
  });

  it('spends comparable time on unknown and known emails (a dummy hash is verified)', async () => {
    const time = async (email: string) => {
      const t0 = performance.now();
      expectEnvelope(await ts.anonymous.post('/api/v2/auth/login', { email, password: 'definitely wrong' }), 401, 'InvalidCredentials');
      return performance.now() - t0;
    };
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 3; i++) {
      known.push(await time('founder@example.test'));
      unknown.push(await time(`nobody-${i}@example.test`));
    }
    // Without the dummy verification an unknown email answers in a few milliseconds, an order of
    // magnitude faster than an argon2id verification.
    expect(median(unknown)).toBeGreaterThan(median(known) * 0.4);
  });

  it('locks a client address that fails with many different emails', async () => {
    const failed = (await auditEvents(ts, { category: 'auth.login' })).filter((e) => e.outcome === 'failure').length;
    for (let i = failed; i < IP_THROTTLE.threshold; i++) {
      expectEnvelope(await ts.anonymous.post('/api/v2/auth/login', { email: `spray-${i}@example.test`, password: 'sprayed password' }), 401, 'InvalidCredentials');
    }
    // Now any email from this address is locked, even the right password of a real account.
    expectEnvelope(await ts.anonymous.post('/api/v2/auth/login', { email: 'founder@example.test', password: 'a long enough passphrase' }), 429, 'SignInTemporarilyLocked');
  });

  it('rate-limits sign-in requests per client address', async () => {
    let limited;
    // Invalid bodies: they count against the rate limit, not as failed sign-ins.
    for (let i = 0; i < 80 && !limited; i++) {
      const r = await ts.anonymous.post('/api/v2/auth/login', {});
      if (r.status === 429) limited = r;
      else expectEnvelope(r, 400, 'InvalidArgument');
    }
    expect(limited).toBeDefined();
    expectEnvelope(limited!, 429, 'RateLimitExceeded');
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
