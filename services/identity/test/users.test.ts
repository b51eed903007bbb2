import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEnvelope, startTestServer, type TestOrg, type TestServer } from '@openfoundry/testkit';

let ts: TestServer;
let org: TestOrg;
let other: TestOrg;

beforeAll(async () => {
  ts = await startTestServer();
  org = await ts.createOrg('Acme');
  other = await ts.createOrg('Globex');
});
afterAll(async () => {
  await ts?.close();
});

describe('users', () => {
  it('getCurrent returns the token’s user', async () => {
    const res = await org.admin.http.get('/api/v2/admin/users/getCurrent');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: org.admin.userId, username: org.admin.email, email: org.admin.email, organization: org.orgRid, status: 'ACTIVE', organizationAdmin: true });
  });

  it('an org admin creates a user who can then authenticate', async () => {
    const u = await ts.createUser(org, { givenName: 'Ada', familyName: 'Lovelace' });
    const me = await u.http.get('/api/v2/admin/users/getCurrent');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: u.userId, givenName: 'Ada', familyName: 'Lovelace', organizationAdmin: false });
  });

  it('another org’s user is 404 exactly like a missing one', async () => {
    const res = await other.admin.http.get(`/api/v2/admin/users/${org.admin.userId}`);
    const missing = await other.admin.http.get(`/api/v2/admin/users/00000000-0000-4000-8000-000000000000`);
    expectEnvelope(res, 404, 'UserNotFound');
    expectEnvelope(missing, 404, 'UserNotFound');
  });

  it('rejects a request without credentials', async () => {
    expectEnvelope(await ts.anonymous.get('/api/v2/admin/users/getCurrent'), 401, 'MissingCredentials');
  });
});
