import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEnvelope, type TestOrg, type TestServer, type TestUser } from '@openfoundry/testkit';
import { NotFoundError } from '@openfoundry/kernel';
import type { Principal } from '@openfoundry/authz';
import { auditEvents, childNames, createFolder, createProject, defaultSpace, grant, startFilesystemServer, type Node } from './filesystem.fixtures.js';

/**
 * The interface later services (datasets, ontology) use: registering their resources in folders,
 * resolving RIDs with the caller's effective role, and cleaning up on permanent delete. Called
 * in-process as those services will; the effects are checked over HTTP.
 */
let ts: TestServer;
let org: TestOrg;
let other: TestOrg;
let editor: TestUser;
let viewer: TestUser;
let project: Node;
let folder: Node;

const principalOf = async (token: string): Promise<Principal> => {
  const auth = await ts.server.platform.identity.authenticator.authenticate({ bearer: token });
  return auth!.principal;
};
const fs = () => ts.server.platform.filesystem.resources;
const datasetRid = () => `ri.foundry.main.dataset.${crypto.randomUUID()}`;
const register = (principal: Principal, input: { rid: string; parentFolderRid: string; displayName: string }) =>
  ts.server.platform.database.db.transaction().execute((trx) => fs().register(trx, { principal }, { type: 'FOUNDRY_DATASET', ...input }));

beforeAll(async () => {
  ts = await startFilesystemServer();
  org = await ts.createOrg('Resources Api');
  other = await ts.createOrg('Resources Api Other');
  editor = await ts.createUser(org);
  viewer = await ts.createUser(org);
  const space = await defaultSpace(org.admin.http);
  project = await createProject(org.admin.http, space.rid, 'Datasets');
  folder = await createFolder(org.admin.http, project.rid, 'Raw');
  await grant(org.admin.http, project.rid, editor.userId, 'compass:edit');
  await grant(org.admin.http, project.rid, viewer.userId, 'compass:read');
});
afterAll(async () => {
  await ts?.close();
});

describe('ResourceDirectory', () => {
  it('register puts another service’s resource in a folder, visible through the Foundry API and audited', async () => {
    const rid = datasetRid();
    const registered = await register(await principalOf(editor.token), { rid, parentFolderRid: folder.rid, displayName: 'orders' });
    expect(registered).toMatchObject({ rid, type: 'FOUNDRY_DATASET', path: '/Default/Datasets/Raw/orders', projectRid: project.rid, trashStatus: 'NOT_TRASHED', effectiveRole: 'compass:edit' });
    const res = await viewer.http.get(`/api/v2/filesystem/resources/${rid}`);
    expect(res.body).toMatchObject({ rid, type: 'FOUNDRY_DATASET', parentFolderRid: folder.rid, createdBy: editor.userId });
    expect(await childNames(viewer.http, folder.rid)).toEqual(['orders']);
    expectEnvelope(await viewer.http.get(`/api/v2/filesystem/folders/${rid}`), 404, 'FolderNotFound');
    expectEnvelope(await org.admin.http.post('/api/v2/filesystem/folders', { parentFolderRid: rid, displayName: 'x' }), 400, 'InvalidFolder');
    const events = await auditEvents(org.admin.http, { category: 'filesystem.resource.create', resourceRid: rid });
    expect(events).toHaveLength(1);
    expect(events[0]!.actorId).toBe(editor.userId);
  });

  it('register needs edit access on the folder, a unique name, and a folder of the caller’s organization', async () => {
    await expect(register(await principalOf(viewer.token), { rid: datasetRid(), parentFolderRid: folder.rid, displayName: 'nope' })).rejects.toMatchObject({ errorName: 'CreateResourcePermissionDenied' });
    await expect(register(await principalOf(other.admin.token), { rid: datasetRid(), parentFolderRid: folder.rid, displayName: 'nope' })).rejects.toMatchObject({ errorName: 'FolderNotFound' });
    await register(await principalOf(editor.token), { rid: datasetRid(), parentFolderRid: folder.rid, displayName: 'customers' });
    await expect(register(await principalOf(editor.token), { rid: datasetRid(), parentFolderRid: folder.rid, displayName: 'CUSTOMERS' })).rejects.toMatchObject({ errorName: 'ResourceNameAlreadyExists' });
    await expect(register(await principalOf(editor.token), { rid: datasetRid(), parentFolderRid: folder.rid, displayName: '../x' })).rejects.toMatchObject({ errorName: 'InvalidDisplayName' });
    expect(await childNames(org.admin.http, folder.rid)).not.toContain('nope');
  });

  it('resolve, authorize and authorizedRids answer with the effective role and hide other organizations', async () => {
    const rid = datasetRid();
    await register(await principalOf(editor.token), { rid, parentFolderRid: folder.rid, displayName: 'events' });
    const viewerPrincipal = await principalOf(viewer.token);
    expect(await fs().resolve(viewerPrincipal, rid)).toMatchObject({ rid, effectiveRole: 'compass:read' });
    expect(await fs().resolve(await principalOf(org.admin.token), rid)).toMatchObject({ effectiveRole: 'compass:manage' });
    expect(await fs().resolve(await principalOf(other.admin.token), rid)).toBeUndefined();
    expect(await fs().resolve(viewerPrincipal, 'not a rid')).toBeUndefined();
    const notFound = () => new NotFoundError('DatasetNotFound', { datasetRid: rid });
    await expect(fs().authorize(viewerPrincipal, rid, 'write', notFound)).rejects.toMatchObject({ errorCode: 'PERMISSION_DENIED' });
    await expect(fs().authorize(await principalOf(other.admin.token), rid, 'read', notFound)).rejects.toMatchObject({ errorName: 'DatasetNotFound' });
    expect((await fs().authorize(viewerPrincipal, rid, 'read', notFound)).rid).toBe(rid);
    const stranger = await ts.createUser(org);
    const allowed = await fs().authorizedRids(viewerPrincipal, [rid, folder.rid, project.rid], 'read');
    expect([...allowed].sort()).toEqual([rid, folder.rid, project.rid].sort());
    expect([...(await fs().authorizedRids(viewerPrincipal, [rid], 'write'))]).toEqual([]);
    expect([...(await fs().authorizedRids(await principalOf(stranger.token), [rid], 'discover'))]).toEqual([]);
  });

  it('permanent delete runs the owning service’s hook in the same transaction, and rolls back with it', async () => {
    const seen: string[][] = [];
    let fail = true;
    fs().onPermanentDelete('FOUNDRY_DATASET', async (_trx, rids) => {
      seen.push(rids);
      if (fail) throw new Error('dataset cleanup failed');
    });
    const parent = await createFolder(org.admin.http, project.rid, 'Doomed');
    const a = datasetRid();
    const b = datasetRid();
    await register(await principalOf(editor.token), { rid: a, parentFolderRid: parent.rid, displayName: 'a' });
    await register(await principalOf(editor.token), { rid: b, parentFolderRid: parent.rid, displayName: 'b' });
    await org.admin.http.delete(`/api/v2/filesystem/resources/${parent.rid}`);
    expect((await org.admin.http.get(`/api/v2/filesystem/resources/${a}`)).body.trashStatus).toBe('ANCESTOR_TRASHED');

    // A failing hook aborts the whole delete: nothing is gone, nothing is audited.
    expectEnvelope(await org.admin.http.post(`/api/v2/filesystem/resources/${parent.rid}/permanentlyDelete`), 500, 'Internal');
    expect((await org.admin.http.get(`/api/v2/filesystem/resources/${a}`)).status).toBe(200);
    expect(await auditEvents(org.admin.http, { category: 'filesystem.resource.permanentlyDelete', resourceRid: parent.rid })).toHaveLength(0);

    fail = false;
    expect((await org.admin.http.post(`/api/v2/filesystem/resources/${parent.rid}/permanentlyDelete`)).status).toBe(204);
    expect(seen.map((rids) => [...rids].sort())).toEqual([[a, b].sort(), [a, b].sort()]);
    expectEnvelope(await org.admin.http.get(`/api/v2/filesystem/resources/${a}`), 404, 'ResourceNotFound');
  });
});
