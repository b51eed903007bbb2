import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEnvelope, type HttpClient } from '@openfoundry/testkit';
import { allObjects, csvDataset, importCsv, ok, startOntologyServer, waitForIndexed, type OntologyWorld } from './ontology.fixtures.js';

/** How datasets become objects: full builds, APPENDs merged, key clashes, invalid rows, re-indexing while reading. */
let w: OntologyWorld;
let http: HttpClient;

const base = () => `/api/v2/ontologies/${w.ontologyRid}`;
const itemType = (datasetRid: string) => ({
  apiName: 'Item',
  dataset: datasetRid,
  primaryKey: 'itemId',
  titleProperty: 'name',
  properties: { itemId: { column: 'id', type: 'long' }, name: { type: 'string' }, price: { type: 'double' } },
});
const summary = (objects: Array<Record<string, any>>) => objects.map((o) => [o.itemId, o.name, o.price]);

beforeAll(async () => {
  w = await startOntologyServer();
  http = w.org.admin.http;
});
afterAll(async () => {
  await w?.ts.close();
});

describe('incremental and full indexing of one dataset', () => {
  let items: { rid: string };

  it('indexes the first snapshot fully, then merges an APPEND incrementally', async () => {
    items = await csvDataset(http, w.projectRid, 'items', 'id,name,price\n1,Anvil,10.5\n2,Bolt,0.25\n3,Crate,7.75\n');
    ok(await http.post(`${base()}/apply`, { objectTypes: [itemType(items.rid)] }), 'apply');
    const first = await waitForIndexed(http, w.ontologyRid, 'Item', items.rid);
    expect(first).toMatchObject({ status: 'READY', objectCount: 3, invalidCount: 0, lastMode: 'FULL', invalidRows: [] });

    await importCsv(http, items.rid, 'id,name,price\n4,Drill,99.5\n5,Epoxy,3.5\n', 'APPEND');
    const appended = await waitForIndexed(http, w.ontologyRid, 'Item', items.rid);
    expect(appended).toMatchObject({ status: 'READY', objectCount: 5, invalidCount: 0, lastMode: 'INCREMENTAL', invalidRows: [] });
    expect(appended.indexedTransactionRid).not.toBe(first.indexedTransactionRid);
    expect(summary(await allObjects(http, w.ontologyRid, 'Item', 'itemId'))).toEqual([
      ['1', 'Anvil', 10.5],
      ['2', 'Bolt', 0.25],
      ['3', 'Crate', 7.75],
      ['4', 'Drill', 99.5],
      ['5', 'Epoxy', 3.5],
    ]);
    expect(ok(await http.get(`${base()}/objects/Item/4`), 'new object')).toMatchObject({ __primaryKey: '4', __title: 'Drill', price: 99.5 });
    expect(ok(await http.get(`${base()}/objects/Item/1`), 'old object')).toMatchObject({ __primaryKey: '1', __title: 'Anvil', price: 10.5 });
    expect(ok(await http.post(`${base()}/objects/Item/count`), 'count')).toEqual({ count: 5 });
    // The search vector of the merged rows is there too.
    const found = ok(await http.post(`${base()}/objects/Item/search`, { where: { type: 'containsAnyTerm', field: 'name', value: 'epoxy' } }), 'search');
    expect(found.data.map((o: any) => o.itemId)).toEqual(['5']);
  });

  it('a SNAPSHOT replaces every object with a full build', async () => {
    await importCsv(http, items.rid, 'id,name,price\n10,Xylophone,1.5\n11,Yoyo,2.5\n', 'SNAPSHOT');
    const s = await waitForIndexed(http, w.ontologyRid, 'Item', items.rid);
    expect(s).toMatchObject({ status: 'READY', objectCount: 2, invalidCount: 0, lastMode: 'FULL', invalidRows: [] });
    expect(summary(await allObjects(http, w.ontologyRid, 'Item', 'itemId'))).toEqual([
      ['10', 'Xylophone', 1.5],
      ['11', 'Yoyo', 2.5],
    ]);
    expectEnvelope(await http.get(`${base()}/objects/Item/1`), 404, 'ObjectNotFound');
    expect(ok(await http.post(`${base()}/objects/Item/count`), 'count')).toEqual({ count: 2 });
  });

  it('an appended row whose key an object already has makes both invalid, and the next run is full', async () => {
    await importCsv(http, items.rid, 'id,name,price\n11,Yoyo again,9.5\n12,Zither,4.5\n', 'APPEND');
    const clash = await waitForIndexed(http, w.ontologyRid, 'Item', items.rid);
    expect(clash).toMatchObject({ status: 'READY', objectCount: 2, invalidCount: 2, lastMode: 'INCREMENTAL' });
    // Both rows are described, by the dataset's columns, as a full build describes them.
    expect(clash.invalidRows).toEqual([
      { primaryKey: '11', reason: "primary key `itemId` value '11' appears in an appended row and an existing one", values: { id: '11', name: 'Yoyo', price: 2.5 } },
      { primaryKey: '11', reason: "primary key `itemId` value '11' appears in an appended row and an existing one", values: { id: '11', name: 'Yoyo again', price: 9.5 } },
    ]);
    expect(summary(await allObjects(http, w.ontologyRid, 'Item', 'itemId'))).toEqual([
      ['10', 'Xylophone', 1.5],
      ['12', 'Zither', 4.5],
    ]);
    expectEnvelope(await http.get(`${base()}/objects/Item/11`), 404, 'ObjectNotFound');

    // The clash is remembered: the next APPEND is not merged but built again from every file, with the same verdict.
    await importCsv(http, items.rid, 'id,name,price\n13,Abacus,1.25\n', 'APPEND');
    const next = await waitForIndexed(http, w.ontologyRid, 'Item', items.rid);
    expect(next).toMatchObject({ status: 'READY', objectCount: 3, invalidCount: 2, lastMode: 'FULL' });
    const rows = next.invalidRows.map((r) => ({ key: r.primaryKey, reason: r.reason, values: r.values })).sort((a, b) => String(a.values.name).localeCompare(String(b.values.name)));
    expect(rows).toEqual([
      { key: '11', reason: "primary key `id` value '11' appears in 2 rows", values: { id: '11', name: 'Yoyo', price: 2.5 } },
      { key: '11', reason: "primary key `id` value '11' appears in 2 rows", values: { id: '11', name: 'Yoyo again', price: 9.5 } },
    ]);
    expect(summary(await allObjects(http, w.ontologyRid, 'Item', 'itemId'))).toEqual([
      ['10', 'Xylophone', 1.5],
      ['12', 'Zither', 4.5],
      ['13', 'Abacus', 1.25],
    ]);
    expectEnvelope(await http.get(`${base()}/objects/Item/11`), 404, 'ObjectNotFound');
  });
});

describe('invalid rows and definition changes', () => {
  let places: { rid: string };
  const placeType = (extra: Record<string, unknown> = {}, titleProperty = 'placeId') => ({
    apiName: 'Place',
    dataset: places.rid,
    primaryKey: 'placeId',
    titleProperty,
    properties: { placeId: { column: 'id', type: 'long' }, loc: { type: 'geopoint' }, ...extra },
  });

  it('reports rows that cannot be objects, with their reasons, and indexes the others', async () => {
    // Bad geopoints do not stop an apply (only the primary key is checked then): they are found by the first index.
    places = await csvDataset(http, w.projectRid, 'places', 'id,name,loc\n1,Ok,"51.5,-0.1"\n2,Bad,nowhere\n3,Far,"95,10"\n4,Empty,\n');
    ok(await http.post(`${base()}/apply`, { objectTypes: [placeType()] }), 'apply');
    const first = await waitForIndexed(http, w.ontologyRid, 'Place', places.rid);
    expect(first).toMatchObject({ status: 'READY', objectCount: 2, invalidCount: 2, lastMode: 'FULL' });
    expect(first.invalidRows.map((r) => [r.primaryKey, r.reason, r.values]).sort()).toEqual([
      ['2', 'column `loc`: \'nowhere\' is not a geopoint ("lat,lon")', { id: '2', loc: 'nowhere' }],
      ['3', "column `loc`: '95,10' is out of range (latitude within ±90, longitude within ±180)", { id: '3', loc: '95,10' }],
    ]);
    expect((await allObjects(http, w.ontologyRid, 'Place', 'placeId')).map((o) => [o.placeId, o.loc ?? null])).toEqual([
      ['1', { type: 'Point', coordinates: [-0.1, 51.5] }],
      ['4', null],
    ]);
    expectEnvelope(await http.get(`${base()}/objects/Place/2`), 404, 'ObjectNotFound');

    // Invalid rows do not stop APPENDs from being merged...
    await importCsv(http, places.rid, 'id,name,loc\n7,New,"2.5,3.5"\n', 'APPEND');
    expect(await waitForIndexed(http, w.ontologyRid, 'Place', places.rid)).toMatchObject({ objectCount: 3, invalidCount: 2, lastMode: 'INCREMENTAL' });
    // ...but an appended row with the key of an invalid row makes both invalid, as a full build does: 2 is no object.
    await importCsv(http, places.rid, 'id,name,loc\n2,Fixed,"1.5,1.5"\n8,Newer,\n', 'APPEND');
    const clashed = await waitForIndexed(http, w.ontologyRid, 'Place', places.rid);
    expect(clashed).toMatchObject({ status: 'READY', objectCount: 4, invalidCount: 3 });
    expect(clashed.invalidRows.map((r) => [r.primaryKey, r.reason, r.values]).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([
      ['2', "primary key `id` value '2' appears in 2 rows", { id: '2', loc: '1.5,1.5' }],
      ['2', "primary key `id` value '2' appears in 2 rows", { id: '2', loc: 'nowhere' }],
      ['3', "column `loc`: '95,10' is out of range (latitude within ±90, longitude within ±180)", { id: '3', loc: '95,10' }],
    ]);
    expectEnvelope(await http.get(`${base()}/objects/Place/2`), 404, 'ObjectNotFound');
    expect((await allObjects(http, w.ontologyRid, 'Place', 'placeId')).map((o) => o.placeId)).toEqual(['1', '4', '7', '8']);

    await importCsv(http, places.rid, 'id,name,loc\n,Nobody,\n5,Twin A,\n5,Twin B,"1,2"\n6,Solo,"1,2"\n', 'SNAPSHOT');
    const second = await waitForIndexed(http, w.ontologyRid, 'Place', places.rid);
    expect(second).toMatchObject({ status: 'READY', objectCount: 1, invalidCount: 3, lastMode: 'FULL' });
    expect(second.invalidRows.map((r) => [r.primaryKey, r.reason, r.values]).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([
      ['5', "primary key `id` value '5' appears in 2 rows", { id: '5', loc: '1,2' }],
      ['5', "primary key `id` value '5' appears in 2 rows", { id: '5', loc: null }],
      [null, 'primary key `id` is null', { id: null, loc: null }],
    ]);
    expect((await allObjects(http, w.ontologyRid, 'Place', 'placeId')).map((o) => [o.placeId, o.loc])).toEqual([['6', { type: 'Point', coordinates: [2, 1] }]]);
    expectEnvelope(await http.get(`${base()}/objects/Place/5`), 404, 'ObjectNotFound');
  });

  it('a changed definition is indexed again and its new property appears', async () => {
    const before = ok(await http.get(`${base()}/objectTypes/Place/indexStatus`), 'status');
    expect(ok(await http.get(`${base()}/objects/Place/6`), 'get')).not.toHaveProperty('name');
    const applied = ok(await http.post(`${base()}/apply`, { objectTypes: [placeType({ name: { type: 'string' } }, 'name')] }), 'apply');
    expect(applied.changes).toEqual([
      { kind: 'objectType', apiName: 'Place', action: 'update', changes: ['titleProperty: placeId → name', 'properties.name: added'], breaking: [] },
    ]);
    const after = await waitForIndexed(http, w.ontologyRid, 'Place', places.rid);
    expect(after).toMatchObject({ status: 'READY', objectCount: 1, invalidCount: 3, lastMode: 'FULL', indexedVersion: before.definitionVersion + 1 });
    expect(ok(await http.get(`${base()}/objects/Place/6`), 'get')).toMatchObject({ __title: 'Solo', name: 'Solo', loc: { type: 'Point', coordinates: [2, 1] } });
    const meta = ok(await http.get(`${base()}/objectTypes/Place`), 'type');
    expect(Object.keys(meta.properties)).toEqual(['placeId', 'loc', 'name']);
    const byName = ok(await http.post(`${base()}/objects/Place/search`, { where: { type: 'eq', field: 'name', value: 'Solo' } }), 'search');
    expect(byName.data.map((o: any) => o.placeId)).toEqual(['6']);
  });
});

describe('values of every kind reach the object table exactly', () => {
  it('strings with quotes, commas, new lines and backslashes, empty strings and nulls, arrays, booleans, big longs, timestamps', async () => {
    const rows = [
      { id: 1, label: 'a "quoted", comma\nnew line \\ backslash \\. ünïcødé', note: '', tags: ['x', 'y,"z"'], active: true, amount: -0.5, at: '2024-02-29T12:34:56.789Z' },
      { id: 2, label: '\\.', note: null, tags: [], active: false, amount: 1e21, at: null },
      { id: 3, label: ',', note: 'null', tags: null, active: null, amount: null, at: '1999-12-31T23:59:59Z' },
    ];
    const ds = ok(await http.post<{ rid: string }>('/api/v2/datasets', { parentFolderRid: w.projectRid, name: 'kinds' }), 'dataset');
    // A long beyond 2^53 is written as its digits (a JS number cannot hold it).
    const body = rows.map((r) => JSON.stringify(r).replace('"id":1,', '"id":9007199254740993,')).join('\n');
    ok(await http.post(`/api/v2/datasets/${ds.rid}/import?format=jsonl&transactionType=SNAPSHOT`, undefined, { raw: Buffer.from(body), headers: { 'content-type': 'application/octet-stream' } }), 'import');
    ok(
      await http.post(`${base()}/apply`, {
        objectTypes: [
          {
            apiName: 'Kind',
            dataset: ds.rid,
            primaryKey: 'id',
            titleProperty: 'label',
            properties: { id: { type: 'long' }, label: { type: 'string' }, note: { type: 'string' }, tags: { type: { type: 'array', subType: { type: 'string' } } }, active: { type: 'boolean' }, amount: { type: 'double' }, at: { type: 'timestamp' } },
          },
        ],
      }),
      'apply',
    );
    expect(await waitForIndexed(http, w.ontologyRid, 'Kind', ds.rid)).toMatchObject({ status: 'READY', objectCount: 3, invalidCount: 0 });
    const objects = (await allObjects(http, w.ontologyRid, 'Kind', 'id')).map(({ __rid, __title, __apiName, __primaryKey, ...o }) => o);
    expect(objects).toEqual([
      { id: '2', label: '\\.', note: undefined, tags: [], active: false, amount: 1e21 },
      { id: '3', label: ',', note: 'null', amount: undefined, at: '1999-12-31T23:59:59.000Z' },
      { id: '9007199254740993', label: rows[0]!.label, note: '', tags: ['x', 'y,"z"'], active: true, amount: -0.5, at: '2024-02-29T12:34:56.789Z' },
    ].map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))));
    // Searchable as written.
    const found = ok(await http.post(`${base()}/objects/Kind/search`, { where: { type: 'eq', field: 'label', value: rows[0]!.label } }), 'search');
    expect(found.data).toHaveLength(1);
  });
});

describe('reads during a re-index', () => {
  it('keep answering from the previous build until the new one is swapped in', async () => {
    const N = 50_000;
    const csv = (version: string, n: number) => `id,name,score\n${Array.from({ length: n }, (_, i) => `${i + 1},${version}-${i + 1},${i % 100}`).join('\n')}\n`;
    const big = await csvDataset(http, w.projectRid, 'big rows', csv('v1', N));
    ok(
      await http.post(`${base()}/apply`, {
        objectTypes: [{ apiName: 'Big', dataset: big.rid, primaryKey: 'bigId', titleProperty: 'name', properties: { bigId: { column: 'id', type: 'long' }, name: { type: 'string' }, score: { type: 'long' } } }],
      }),
      'apply',
    );
    expect(await waitForIndexed(http, w.ontologyRid, 'Big', big.rid, 60_000)).toMatchObject({ status: 'READY', objectCount: N, lastMode: 'FULL' });

    await importCsv(http, big.rid, csv('v2', N + 1), 'SNAPSHOT');
    const head = ok(await http.get(`/api/v2/datasets/${big.rid}/branches/master`), 'branch').transactionRid as string;
    const seen = { v1: 0, v2: 0, duringIndexing: 0 };
    for (let i = 0; ; i++) {
      const [page, agg, status] = await Promise.all([
        http.post(`${base()}/objectSets/loadObjects`, { objectSet: { type: 'base', objectType: 'Big' }, orderBy: { fields: [{ field: 'bigId', direction: 'desc' }] }, pageSize: 2 }),
        http.post(`${base()}/objects/Big/aggregate`, { aggregation: [{ type: 'count', name: 'n' }], where: { type: 'eq', field: 'score', value: 7 } }),
        http.get(`${base()}/objectTypes/Big/indexStatus`),
      ]);
      expect(page.status, page.text).toBe(200);
      expect(agg.status, agg.text).toBe(200);
      // Each read sees one build or the other, never a mix.
      if (page.body.totalCount === String(N)) {
        expect(page.body.data.map((o: any) => o.name)).toEqual([`v1-${N}`, `v1-${N - 1}`]);
        seen.v1++;
      } else {
        expect(page.body.totalCount).toBe(String(N + 1));
        expect(page.body.data.map((o: any) => o.name)).toEqual([`v2-${N + 1}`, `v2-${N}`]);
        seen.v2++;
      }
      expect(agg.body.data[0].metrics).toEqual([{ name: 'n', value: 500 }]);
      if (status.body.status === 'INDEXING') seen.duringIndexing++;
      if (status.body.status === 'READY' && status.body.indexedTransactionRid === head) break;
      if (i > 2000) throw new Error('the re-index did not finish');
    }
    expect(seen.duringIndexing).toBeGreaterThan(0);
    expect(seen.v1).toBeGreaterThan(0);
    const done = ok(await http.get(`${base()}/objectTypes/Big/indexStatus`), 'status');
    expect(done).toMatchObject({ status: 'READY', objectCount: N + 1, invalidCount: 0, lastMode: 'FULL' });
    const last = ok(await http.get(`${base()}/objects/Big/${N + 1}`), 'new object');
    expect(last).toMatchObject({ name: `v2-${N + 1}`, score: '0' });
  });
});
