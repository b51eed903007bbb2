import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEnvelope, startTestServer, type HttpResponse, type TestOrg, type TestServer } from '@openfoundry/testkit';
import { EMAIL_THROTTLE } from '@openfoundry/identity';
import { TestClock, auditEvents } from './identity.helpers.js';

let ts: TestServer;
let org: TestOrg;
const clock = new TestClock();

beforeAll(async () => {
  ts = await startTestServer({ clock });
  org = await ts.createOrg('Lockout Org');
});
afterAll(async () => {
  await ts?.close();
});

const login = (email: string, password: string) => ts.anonymous.post('/api/v2/auth/login', { email, password });
/** What a response tells an attacker: status, error and parameters, not the per-request id. */
const observable = (r: HttpResponse) => ({ status: r.status, retryAfter: r.headers.get('retry-after'), errorCode: r.body.errorCode, errorName: r.body.errorName, parameters: r.body.parameters });

describe('sign-in lockout', () => {
  it('locks an email after repeated failures, identically whether or not the account exists', async () => {
    const user = await ts.createUser(org);
    const ghost = `ghost-${Date.now()}@example.test`;
    const known: ReturnType<typeof observable>[] = [];
    const unknown: ReturnType<typeof observable>[] = [];
    for (let i = 0; i < EMAIL_THROTTLE.threshold; i++) {
      known.push(observable(await login(user.email, 'wrong password attempt')));
      unknown.push(observable(await login(ghost, 'wrong password attempt')));
    }
    expect(known.every((r) => r.status === 401 && r.errorName === 'InvalidCredentials')).toBe(true);
    // Locked now: even the right password is refused, and the answer is the same for the ghost.
    const lockedKnown = await login(user.email, user.password);
    const lockedGhost = await login(ghost, user.password);
    const e = expectEnvelope(lockedKnown, 429, 'SignInTemporarilyLocked');
    expect(lockedKnown.headers.get('retry-after')).toBe(String(e.parameters.retryAfterSeconds));
    expect(lockedKnown.headers.get('set-cookie')).toBeNull();
    known.push(observable(lockedKnown));
    unknown.push(observable(lockedGhost));
    expect(unknown).toEqual(known);

    const denied = (await auditEvents(ts, { category: 'auth.login' })).filter((ev) => ev.outcome === 'denied');
    expect(denied.map((ev) => ev.org_rid)).toEqual([org.orgRid, null]);
  });

  it('unlocks after the lock and doubles it on the next failure', async () => {
    const user = await ts.createUser(org);
    for (let i = 0; i < EMAIL_THROTTLE.threshold; i++) await login(user.email, 'wrong password attempt');
    expectEnvelope(await login(user.email, user.password), 429, 'SignInTemporarilyLocked');
    clock.advance(EMAIL_THROTTLE.baseLockMs + 1000);
    // One more failure after the lock: locked again, for twice as long.
    expectEnvelope(await login(user.email, 'wrong password attempt'), 401, 'InvalidCredentials');
    const relocked = expectEnvelope(await login(user.email, user.password), 429, 'SignInTemporarilyLocked');
    expect(relocked.parameters.retryAfterSeconds).toBeGreaterThan(EMAIL_THROTTLE.baseLockMs / 1000);
    clock.advance(2 * EMAIL_THROTTLE.baseLockMs + 1000);
    expect((await login(user.email, user.password)).status).toBe(200);
  });

  it('forgets failures after a successful sign-in', async () => {
    const user = await ts.createUser(org);
    for (let i = 0; i < EMAIL_THROTTLE.threshold - 1; i++) await login(user.email, 'wrong password attempt');
    expect((await login(user.email, user.password)).status).toBe(200);
    for (let i = 0; i < EMAIL_THROTTLE.threshold - 1; i++) expectEnvelope(await login(user.email, 'wrong password attempt'), 401, 'InvalidCredentials');
    expect((await login(user.email, user.password)).status).toBe(200);
  });
});
