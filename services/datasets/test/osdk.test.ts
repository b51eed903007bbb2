import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatformClient, type PlatformClient } from '@osdk/client';
import { Branches, Datasets, Files, Transactions } from '@osdk/foundry.datasets';
import { tableFromIPC } from 'apache-arrow';
import { apiError, type TestOrg, type TestServer } from '@openfoundry/testkit';
import { MISSING_DATASET, startDatasetsServer } from './datasets.fixtures.js';

/** Palantir's published datasets client, unchanged, against our server: the contract nobody here wrote. */
let ts: TestServer;
let org: TestOrg;
let other: TestOrg;
let projectRid: string;
let client: PlatformClient;
let otherClient: PlatformClient;


beforeAll(async () => {
  ({ ts, org, projectRid } = await startDatasetsServer());
  other = await ts.createOrg();
  client = createPlatformClient(ts.url, () => Promise.resolve(org.admin.token));
  otherClient = createPlatformClient(ts.url, () => Promise.resolve(other.admin.token));
});
afterAll(async () => {
  await ts?.close();
});

describe('@osdk/foundry.datasets', () => {
  it('create and get a dataset; branches; transactions; files round trip', async () => {
    const ds = await Datasets.create(client, { parentFolderRid: projectRid, name: 'osdk orders' });
    expect(ds).toMatchObject({ name: 'osdk orders', parentFolderRid: projectRid });
    expect(await Datasets.get(client, ds.rid)).toMatchObject({ rid: ds.rid, name: 'osdk orders', parentFolderRid: projectRid });

    const t = await Transactions.create(client, ds.rid, { transactionType: 'SNAPSHOT' }, { branchName: 'master' });
    expect(t).toMatchObject({ transactionType: 'SNAPSHOT', status: 'OPEN' });
    const file = await Files.upload(client, ds.rid, 'raw/orders.csv', new Blob(['id,amount\n1,9.5\n']), { transactionRid: t.rid });
    expect(file).toMatchObject({ path: 'raw/orders.csv', transactionRid: t.rid, sizeBytes: '16' });
    const committed = await Transactions.commit(client, ds.rid, t.rid);
    expect(committed).toMatchObject({ rid: t.rid, status: 'COMMITTED' });
    expect(await Transactions.get(client, ds.rid, t.rid)).toMatchObject({ status: 'COMMITTED', closedTime: expect.any(String) });

    const listed = await Files.list(client, ds.rid, { branchName: 'master' });
    expect(listed.data.map((f) => f.path)).toEqual(['raw/orders.csv']);
    expect(await Files.get(client, ds.rid, 'raw/orders.csv', {})).toMatchObject({ path: 'raw/orders.csv', transactionRid: t.rid });
    const content = await Files.content(client, ds.rid, 'raw/orders.csv', {});
    expect(await content.text()).toBe('id,amount\n1,9.5\n');

    const feature = await Branches.create(client, ds.rid, { name: 'feature', transactionRid: t.rid });
    expect(feature).toEqual({ name: 'feature', transactionRid: t.rid });
    expect((await Branches.list(client, ds.rid)).data.map((b) => b.name)).toEqual(['feature', 'master']);
    expect(await Branches.get(client, ds.rid, 'feature')).toEqual({ name: 'feature', transactionRid: t.rid });
    // Writing on the branch leaves master alone.
    await Files.upload(client, ds.rid, 'extra.txt', new Blob(['x']), { branchName: 'feature', transactionType: 'APPEND' });
    expect((await Files.list(client, ds.rid, { branchName: 'feature' })).data.map((f) => f.path)).toEqual(['extra.txt', 'raw/orders.csv']);
    expect((await Files.list(client, ds.rid, { branchName: 'master' })).data.map((f) => f.path)).toEqual(['raw/orders.csv']);
    const history = await Branches.transactions(client, ds.rid, 'feature', { preview: true });
    expect(history.data.map((x) => x.transactionType)).toEqual(['APPEND', 'SNAPSHOT']);
    await Files.deleteFile(client, ds.rid, 'extra.txt', { branchName: 'feature' });
    expect((await Files.list(client, ds.rid, { branchName: 'feature' })).data.map((f) => f.path)).toEqual(['raw/orders.csv']);
    await Branches.deleteBranch(client, ds.rid, 'feature');
    expect((await apiError(Branches.get(client, ds.rid, 'feature'))).errorName).toBe('BranchNotFound');

    const aborted = await Transactions.create(client, ds.rid, { transactionType: 'UPDATE' }, {});
    expect(await Transactions.abort(client, ds.rid, aborted.rid)).toMatchObject({ status: 'ABORTED' });
    expect((await Datasets.transactions(client, ds.rid, { preview: true })).data.map((x) => x.status)).toEqual(['ABORTED', 'COMMITTED', 'COMMITTED', 'COMMITTED']);
  });

  it('tables: readTable as Arrow and CSV, getSchema and putSchema', async () => {
    const ds = await Datasets.create(client, { parentFolderRid: projectRid, name: 'osdk table' });
    const csv = 'id,name,amount\n1,alpha,1.5\n2,beta,2.25\n3,gamma,\n';
    const res = await fetch(`${ts.url}/api/v2/datasets/${ds.rid}/import?format=csv&fileName=rows.csv`, {
      method: 'POST',
      headers: { authorization: `Bearer ${org.admin.token}`, 'content-type': 'application/octet-stream' },
      body: csv,
    });
    expect(res.status).toBe(200);

    const arrow = await Datasets.readTable(client, ds.rid, { format: 'ARROW', columns: [] });
    const table = tableFromIPC(new Uint8Array(await arrow.arrayBuffer()));
    expect(table.numRows).toBe(3);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['id', 'name', 'amount']);
    expect(table.getChild('name')!.toArray()).toEqual(['alpha', 'beta', 'gamma']);

    const limited = await Datasets.readTable(client, ds.rid, { format: 'CSV', columns: ['name', 'id'], rowLimit: 2 });
    expect((await limited.text()).trim().split(/\r?\n/)).toEqual(['name,id', 'alpha,1', 'beta,2']);

    const schema = await Datasets.getSchema(client, ds.rid, { preview: true });
    expect(schema.branchName).toBe('master');
    expect(schema.schema.fieldSchemaList.map((f) => [f.name, f.type])).toEqual([
      ['id', 'LONG'],
      ['name', 'STRING'],
      ['amount', 'DOUBLE'],
    ]);
    const put = await Datasets.putSchema(
      client,
      ds.rid,
      { schema: { fieldSchemaList: [{ name: 'id', type: 'LONG', nullable: false }, { name: 'name', type: 'STRING', nullable: true }, { name: 'amount', type: 'DECIMAL', precision: 10, scale: 2, nullable: true }] } },
      { preview: true },
    );
    expect(put.versionId).not.toBe(schema.versionId);
    expect((await Datasets.getSchema(client, ds.rid, { preview: true })).schema.fieldSchemaList[2]).toMatchObject({ type: 'DECIMAL', precision: 10, scale: 2 });
    expect((await Datasets.getSchema(client, ds.rid, { versionId: schema.versionId, preview: true })).schema.fieldSchemaList[2]).toMatchObject({ type: 'DOUBLE' });
  });

  it('errors arrive as Foundry errors; another organization sees DatasetNotFound', async () => {
    const ds = await Datasets.create(client, { parentFolderRid: projectRid, name: 'osdk errors' });
    const calls = [() => Datasets.get(otherClient, ds.rid), () => Datasets.get(client, MISSING_DATASET), () => Files.list(otherClient, ds.rid, {}), () => Branches.list(otherClient, ds.rid)];
    for (const call of calls) {
      const e = await apiError(call());
      expect(e).toMatchObject({ statusCode: 404, errorName: 'DatasetNotFound' });
    }
    await Transactions.create(client, ds.rid, { transactionType: 'SNAPSHOT' }, {});
    expect(await apiError(Transactions.create(client, ds.rid, { transactionType: 'SNAPSHOT' }, {}))).toMatchObject({ statusCode: 409, errorName: 'OpenTransactionAlreadyExists' });
    expect(await apiError(Branches.create(client, ds.rid, { name: 'master' }))).toMatchObject({ statusCode: 409, errorName: 'BranchAlreadyExists' });
    expect(await apiError(Datasets.readTable(client, ds.rid, { format: 'ARROW', columns: [] }))).toMatchObject({ statusCode: 400, errorName: 'DatasetReadNotSupported' });
    expect(await apiError(Datasets.getSchema(client, ds.rid, { preview: true }))).toMatchObject({ statusCode: 404, errorName: 'SchemaNotFound' });
  });
});
