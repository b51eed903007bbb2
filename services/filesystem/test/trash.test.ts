import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEnvelope, type TestOrg, type TestServer } from '@openfoundry/testkit';
import { auditEvents, childNames, createFolder, createProject, defaultSpace, grant, startFilesystemServer, type Node } from './filesystem.fixtures.js';

/** Foundry's trash: trash, restore, permanently delete, and the trash listing. */
let ts: TestServer;
let org: TestOrg;
let space: Node;

beforeAll(async () => {
  ts = await startFilesystemServer();
  org = await ts.createOrg('Trash Org');
  space = await defaultSpace(org.admin.http);
});
afterAll(async () => {
  await ts?.close();
});

const statusOf = async (rid: string) => (await org.admin.http.get(`/api/v2/filesystem/resources/${rid}`)).body.trashStatus as string;
const byPath = (path: string) => org.admin.http.get(`/api/v2/filesystem/resources/getByPath?path=${encodeURIComponent(path)}`);

describe('trash', () => {
  it('trashing a folder trashes its subtree: gone from children and getByPath, still readable by RID', async () => {
    const project = await createProject(org.admin.http, space.rid, 'Bin');
    const a = await createFolder(org.admin.http, project.rid, 'A');
    const b = await createFolder(org.admin.http, a.rid, 'B');
    const c = await createFolder(org.admin.http, b.rid, 'C');
    const res = await org.admin.http.delete(`/api/v2/filesystem/resources/${a.rid}?preview=true`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(await statusOf(a.rid)).toBe('DIRECTLY_TRASHED');
    expect(await statusOf(b.rid)).toBe('ANCESTOR_TRASHED');
    expect(await statusOf(c.rid)).toBe('ANCESTOR_TRASHED');
    expect(await childNames(org.admin.http, project.rid)).toEqual([]);
    expect(await childNames(org.admin.http, a.rid)).toEqual([]);
    expectEnvelope(await byPath('/Default/Bin/A'), 404, 'PathNotFound');
    expectEnvelope(await byPath('/Default/Bin/A/B/C'), 404, 'PathNotFound');

    const trash = await org.admin.http.get('/api/v2/filesystem/trash');
    expect(trash.body.data.map((r: Node) => r.rid)).toEqual([a.rid]);
    expect(trash.body.data[0]).toMatchObject({ trashStatus: 'DIRECTLY_TRASHED', trashedBy: org.admin.userId, trashedTime: expect.any(String) });

    // Nothing can be created in, renamed or moved within the trash.
    expectEnvelope(await org.admin.http.post('/api/v2/filesystem/folders', { parentFolderRid: b.rid, displayName: 'New' }), 400, 'ResourceTrashed');
    expectEnvelope(await org.admin.http.post(`/api/v2/filesystem/resources/${c.rid}/rename`, { displayName: 'New' }), 400, 'ResourceTrashed');
    expectEnvelope(await org.admin.http.post(`/api/v2/filesystem/resources/${c.rid}/move`, { parentFolderRid: project.rid }), 400, 'ResourceTrashed');
    const live = await createFolder(org.admin.http, project.rid, 'Live');
    expectEnvelope(await org.admin.http.post(`/api/v2/filesystem/resources/${live.rid}/move`, { parentFolderRid: b.rid }), 400, 'ResourceTrashed');

    // Trashing again changes nothing; the event is written once.
    expect((await org.admin.http.delete(`/api/v2/filesystem/resources/${a.rid}`)).status).toBe(204);
    const events = await auditEvents(org.admin.http, { category: 'filesystem.resource.trash', resourceRid: a.rid });
    expect(events).toHaveLength(1);
    expect(events[0]!.details).toMatchObject({ path: '/Default/Bin/A', trashStatusBefore: 'NOT_TRASHED' });
  });

  it('restore brings back the resource and its directly trashed ancestors', async () => {
    const project = await createProject(org.admin.http, space.rid, 'Restore');
    const a = await createFolder(org.admin.http, project.rid, 'A');
    const b = await createFolder(org.admin.http, a.rid, 'B');
    const c = await createFolder(org.admin.http, b.rid, 'C');
    await org.admin.http.delete(`/api/v2/filesystem/resources/${c.rid}`);
    await org.admin.http.delete(`/api/v2/filesystem/resources/${a.rid}`);
    expect(await statusOf(c.rid)).toBe('DIRECTLY_TRASHED');
    expect(await statusOf(b.rid)).toBe('ANCESTOR_TRASHED');

    // Restoring B restores A (its directly trashed ancestor), but C stays in the trash.
    expect((await org.admin.http.post(`/api/v2/filesystem/resources/${b.rid}/restore`)).status).toBe(204);
    expect(await statusOf(a.rid)).toBe('NOT_TRASHED');
    expect(await statusOf(b.rid)).toBe('NOT_TRASHED');
    expect(await statusOf(c.rid)).toBe('DIRECTLY_TRASHED');
    expect(await childNames(org.admin.http, a.rid)).toEqual(['B']);
    expect((await byPath('/Default/Restore/A/B')).body.rid).toBe(b.rid);
    const events = await auditEvents(org.admin.http, { category: 'filesystem.resource.restore', resourceRid: a.rid });
    expect(events).toHaveLength(1);
    expect(events[0]!.resourceRids).toEqual([a.rid]);

    // Restoring something not in the trash is ignored (and not audited).
    expect((await org.admin.http.post(`/api/v2/filesystem/resources/${a.rid}/restore`)).status).toBe(204);
    expect(await auditEvents(org.admin.http, { category: 'filesystem.resource.restore', resourceRid: a.rid })).toHaveLength(1);
    expect((await org.admin.http.post(`/api/v2/filesystem/resources/${c.rid}/restore`)).status).toBe(204);
    expect(await childNames(org.admin.http, b.rid)).toEqual(['C']);
  });

  it('a name reused while in the trash blocks the restore until one is renamed', async () => {
    const project = await createProject(org.admin.http, space.rid, 'Reuse');
    const old = await createFolder(org.admin.http, project.rid, 'Report');
    await org.admin.http.delete(`/api/v2/filesystem/resources/${old.rid}`);
    const fresh = await createFolder(org.admin.http, project.rid, 'report');
    const e = expectEnvelope(await org.admin.http.post(`/api/v2/filesystem/resources/${old.rid}/restore`), 409, 'ResourceNameAlreadyExists');
    expect(e.parameters).toEqual({ parentFolderRid: project.rid, displayName: 'Report' });
    expect(await statusOf(old.rid)).toBe('DIRECTLY_TRASHED');
    await org.admin.http.post(`/api/v2/filesystem/resources/${fresh.rid}/rename`, { displayName: 'Report (new)' });
    expect((await org.admin.http.post(`/api/v2/filesystem/resources/${old.rid}/restore`)).status).toBe(204);
    expect(await childNames(org.admin.http, project.rid)).toEqual(['Report', 'Report (new)']);
  });

  it('permanent delete only from the trash, removes the whole subtree and its grants', async () => {
    const project = await createProject(org.admin.http, space.rid, 'Purge');
    const a = await createFolder(org.admin.http, project.rid, 'A');
    const b = await createFolder(org.admin.http, a.rid, 'B');
    const user = await ts.createUser(org);
    await grant(org.admin.http, b.rid, user.userId, 'compass:read');

    expectEnvelope(await org.admin.http.post(`/api/v2/filesystem/resources/${a.rid}/permanentlyDelete`), 400, 'ResourceNotTrashed');
    await org.admin.http.delete(`/api/v2/filesystem/resources/${a.rid}`);
    expectEnvelope(await org.admin.http.post(`/api/v2/filesystem/resources/${b.rid}/permanentlyDelete`), 400, 'ResourceNotDirectlyTrashed');
    expect((await user.http.get(`/api/v2/filesystem/folders/${b.rid}`)).body.trashStatus).toBe('ANCESTOR_TRASHED');

    expect((await org.admin.http.post(`/api/v2/filesystem/resources/${a.rid}/permanentlyDelete?preview=true`)).status).toBe(204);
    expectEnvelope(await org.admin.http.get(`/api/v2/filesystem/resources/${a.rid}`), 404, 'ResourceNotFound');
    expectEnvelope(await org.admin.http.get(`/api/v2/filesystem/folders/${b.rid}`), 404, 'FolderNotFound');
    expectEnvelope(await user.http.get(`/api/v2/filesystem/folders/${b.rid}`), 404, 'FolderNotFound');
    expect((await org.admin.http.get('/api/v2/filesystem/trash')).body.data.map((r: Node) => r.rid)).not.toContain(a.rid);
    // The name is free again.
    await createFolder(org.admin.http, project.rid, 'A');
    const events = await auditEvents(org.admin.http, { category: 'filesystem.resource.permanentlyDelete', resourceRid: a.rid });
    expect(events).toHaveLength(1);
    expect(events[0]!.resourceRids.sort()).toEqual([a.rid, b.rid].sort());
    expect(events[0]!.details).toMatchObject({ deletedCount: 2, path: '/Default/Purge/A' });
  });

  it('projects: only owners trash them; their content goes with them; spaces cannot be trashed', async () => {
    const editor = await ts.createUser(org);
    const project = await createProject(org.admin.http, space.rid, 'Whole project');
    const f = await createFolder(org.admin.http, project.rid, 'Inside');
    await grant(org.admin.http, project.rid, editor.userId, 'compass:edit');
    expectEnvelope(await editor.http.delete(`/api/v2/filesystem/resources/${project.rid}`), 403, 'DeleteResourcePermissionDenied');
    expect((await org.admin.http.delete(`/api/v2/filesystem/resources/${project.rid}`)).status).toBe(204);
    expect(await statusOf(f.rid)).toBe('ANCESTOR_TRASHED');
    expect(await childNames(org.admin.http, space.rid)).not.toContain('Whole project');
    expect((await editor.http.get('/api/v2/filesystem/projects/recent')).body.data.map((p: Node) => p.rid)).not.toContain(project.rid);
    // The editor can read the trashed project, so it is in the editor's trash listing too.
    expect((await editor.http.get('/api/v2/filesystem/trash')).body.data.map((p: Node) => p.rid)).toContain(project.rid);
    expectEnvelope(await editor.http.post(`/api/v2/filesystem/resources/${project.rid}/restore`), 403, 'RestoreResourcePermissionDenied');
    // Restoring the editor's folder would bring the project back with it, which needs the owner.
    expectEnvelope(await editor.http.post(`/api/v2/filesystem/resources/${f.rid}/restore`), 403, 'RestoreResourcePermissionDenied');
    expect(await statusOf(project.rid)).toBe('DIRECTLY_TRASHED');
    expect((await org.admin.http.post(`/api/v2/filesystem/resources/${f.rid}/restore`)).status).toBe(204);
    expect(await statusOf(project.rid)).toBe('NOT_TRASHED');

    expectEnvelope(await org.admin.http.delete(`/api/v2/filesystem/resources/${space.rid}`), 400, 'TrashingSpaceNotSupported');
    expectEnvelope(await org.admin.http.post(`/api/v2/filesystem/resources/${space.rid}/permanentlyDelete`), 400, 'ResourceNotTrashed');
  });

  it('the trash lists only what the caller can read, newest first, paged', async () => {
    const reader = await ts.createUser(org);
    const project = await createProject(org.admin.http, space.rid, 'Listing');
    const hidden = await createProject(org.admin.http, space.rid, 'Listing hidden');
    await grant(org.admin.http, project.rid, reader.userId, 'compass:read');
    const names = ['one', 'two', 'three'];
    for (const n of names) {
      const f = await createFolder(org.admin.http, project.rid, n);
      await new Promise((r) => setTimeout(r, 3));
      await org.admin.http.delete(`/api/v2/filesystem/resources/${f.rid}`);
    }
    const h = await createFolder(org.admin.http, hidden.rid, 'secret');
    await org.admin.http.delete(`/api/v2/filesystem/resources/${h.rid}`);
    const first = await reader.http.get('/api/v2/filesystem/trash?pageSize=2');
    expect(first.body.data.map((r: Node) => r.displayName)).toEqual(['three', 'two']);
    const second = await reader.http.get(`/api/v2/filesystem/trash?pageSize=2&pageToken=${first.body.nextPageToken}`);
    expect(second.body.data.map((r: Node) => r.displayName)).toEqual(['one']);
    expect(second.body.nextPageToken).toBeUndefined();
    expectEnvelope(await reader.http.get('/api/v2/filesystem/trash?pageToken=%%%'), 400, 'InvalidPageToken');
  });

  it('malformed RIDs are refused before anything happens', async () => {
    expectEnvelope(await org.admin.http.delete('/api/v2/filesystem/resources/nope'), 400, 'InvalidResourceIdentifier');
    expectEnvelope(await org.admin.http.post('/api/v2/filesystem/resources/nope/restore'), 400, 'InvalidResourceIdentifier');
    expectEnvelope(await org.admin.http.post('/api/v2/filesystem/resources/nope/permanentlyDelete'), 400, 'InvalidResourceIdentifier');
  });
});
