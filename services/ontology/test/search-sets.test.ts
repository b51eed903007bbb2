import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEnvelope } from '@openfoundry/testkit';
import { csvDataset, importCsv, ok, startOntologyServer, waitForIndex, type OntologyWorld } from './ontology.fixtures.js';

let w: OntologyWorld;
let employees: { rid: string };
let base: string;

beforeAll(async () => {
  w = await startOntologyServer();
  const http = w.org.admin.http;
  base = `/api/v2/ontologies/${w.ontologyRid}`;
  employees = await csvDataset(http, w.projectRid, 'employees', 'id,name,office,notes\n1,Ada Lovelace,LON,analytical engine pioneer\n2,Grace Hopper,NYC,compiler pioneer\n3,Alan Turing,LON,\n');
  const offices = await csvDataset(http, w.projectRid, 'offices', 'code,city\nLON,London\nNYC,New York\n');
  ok(
    await http.post(`${base}/apply`, {
      objectTypes: [
        { apiName: 'Employee', dataset: employees.rid, primaryKey: 'employeeId', titleProperty: 'fullName', properties: { employeeId: { column: 'id', type: 'long' }, fullName: { column: 'name', type: 'string' }, officeCode: { column: 'office', type: 'string', searchable: false }, notes: { type: 'string' } } },
        { apiName: 'Office', dataset: offices.rid, primaryKey: 'code', titleProperty: 'city', properties: { code: { type: 'string' }, city: { type: 'string' } } },
      ],
      linkTypes: [{ apiName: 'employeeOffice', cardinality: 'MANY_TO_ONE', from: { objectType: 'Employee', linkApiName: 'office' }, to: { objectType: 'Office', linkApiName: 'employees' }, foreignKey: 'officeCode' }],
    }),
    'apply',
  );
  await waitForIndex(http, w.ontologyRid, 'Employee', employees.rid);
  await waitForIndex(http, w.ontologyRid, 'Office', offices.rid);
});
afterAll(async () => {
  await w?.ts.close();
});

describe('keyword search', () => {
  it('finds objects across types, ranked, with highlights and counts per type; the last word is a prefix', async () => {
    const http = w.org.admin.http;
    const r = ok(await http.post(`${base}/search`, { query: 'pioneer' }), 'search');
    expect(r.data.map((h: any) => h.title).sort()).toEqual(['Ada Lovelace', 'Grace Hopper']);
    expect(r.facets).toEqual([{ objectType: 'Employee', count: 2 }]);
    const ada = r.data.find((h: any) => h.title === 'Ada Lovelace');
    expect(ada).toMatchObject({ objectType: 'Employee', primaryKey: '1', object: { fullName: 'Ada Lovelace', __apiName: 'Employee' } });
    expect(ada.highlights).toEqual([{ property: 'notes', segments: [{ text: 'analytical engine ', match: false }, { text: 'pioneer', match: true }] }]);
    const prefix = ok(await http.post(`${base}/search`, { query: 'lon' }), 'prefix');
    // Only words starting with "lon" match (the office code is not searchable).
    expect(prefix.data.map((h: any) => `${h.objectType}:${h.title}`)).toEqual(['Office:London']);
    const both = ok(await http.post(`${base}/search`, { query: 'grace comp' }), 'two words');
    expect(both.data.map((h: any) => h.title)).toEqual(['Grace Hopper']);
    const only = ok(await http.post(`${base}/search`, { query: 'pioneer', objectTypes: ['Office'] }), 'restricted');
    expect(only.data).toEqual([]);
  });

  it('refuses bad input', async () => {
    const http = w.org.admin.http;
    expectEnvelope(await http.post(`${base}/search`, { query: '' }), 400);
    expectEnvelope(await http.post(`${base}/search`, { query: 'x', pageSize: 1000 }), 400, 'InvalidPageSize');
    expectEnvelope(await http.post(`${base}/search`, { query: 'x', objectTypes: ['Nope'] }), 404, 'ObjectTypeNotFound');
    expectEnvelope(await http.post(`${base}/search`, { query: 'x', extra: 1 }), 400);
    const other = await w.ts.createOrg();
    expectEnvelope(await other.admin.http.post(`${base}/search`, { query: 'pioneer' }), 404, 'OntologyNotFound');
  });
});

describe('saved object sets and loadLinks', () => {
  it('saves a named set that re-evaluates to current data, shares it by roles, updates and deletes it', async () => {
    const http = w.org.admin.http;
    const objectSet = { type: 'filter', objectSet: { type: 'base', objectType: 'Employee' }, where: { type: 'eq', field: 'officeCode', value: 'LON' } };
    const saved = ok(await http.post(`${base}/savedObjectSets`, { parentFolderRid: w.projectRid, name: 'London staff', objectSet }), 'save');
    expect(saved).toMatchObject({ name: 'London staff', objectSet, path: expect.stringContaining('/London staff') });
    const load = () => http.post(`${base}/objectSets/loadObjects`, { objectSet: { type: 'reference', reference: saved.rid } });
    expect(ok(await load(), 'load').data.map((o: any) => o.fullName).sort()).toEqual(['Ada Lovelace', 'Alan Turing']);
    await importCsv(http, employees.rid, 'id,name,office,notes\n4,Karen Spärck Jones,LON,idf\n', 'APPEND');
    await waitForIndex(http, w.ontologyRid, 'Employee', employees.rid);
    expect(ok(await load(), 'load again').totalCount).toBe('3');
    expect(ok(await http.get(`${base}/savedObjectSets`), 'list').data.map((s: any) => s.name)).toEqual(['London staff']);

    // Another user of the organization without a role sees neither the set nor its objects.
    const user = await w.ts.createUser(w.org);
    expectEnvelope(await user.http.get(`${base}/savedObjectSets/${saved.rid}`), 404, 'OntologyNotFound');
    const other = await w.ts.createOrg();
    expectEnvelope(await other.admin.http.get(`${base}/savedObjectSets/${saved.rid}`), 404, 'OntologyNotFound');

    const changed = ok(await http.put(`${base}/savedObjectSets/${saved.rid}`, { objectSet: { type: 'base', objectType: 'Office' } }), 'update');
    expect(changed.objectSet).toEqual({ type: 'base', objectType: 'Office' });
    expectEnvelope(await http.put(`${base}/savedObjectSets/${saved.rid}`, { objectSet: { type: 'base', objectType: 'Nope' } }), 404, 'ObjectTypeNotFound');
    expectEnvelope(await http.post(`${base}/savedObjectSets`, { parentFolderRid: w.projectRid, name: 'x/y', objectSet }), 400, 'InvalidDisplayName');
    expect(ok(await http.delete(`${base}/savedObjectSets/${saved.rid}`), 'delete', 204)).toBeFalsy();
    expectEnvelope(await http.get(`${base}/savedObjectSets/${saved.rid}`), 404, 'ObjectSetNotFound');
    expectEnvelope(await load(), 404, 'ObjectSetNotFound');
  });

  it('temporary sets belong to their creator, and loadLinks lists each object with its links', async () => {
    const http = w.org.admin.http;
    const { objectSetRid } = ok(await http.post(`${base}/objectSets/createTemporary`, { objectSet: { type: 'base', objectType: 'Office' } }), 'temporary');
    expect(ok(await http.get(`${base}/objectSets/${objectSetRid}`), 'get')).toEqual({ type: 'base', objectType: 'Office' });
    const links = ok(await http.post(`${base}/objectSets/loadLinks`, { objectSet: { type: 'reference', reference: objectSetRid }, links: ['employees'] }), 'loadLinks');
    const byOffice = Object.fromEntries(links.data.map((d: any) => [d.sourceObject.__primaryKey, d.linkedObjects.map((l: any) => l.targetObject.__primaryKey).sort()]));
    expect(byOffice).toEqual({ LON: ['1', '3', '4'], NYC: ['2'] });
    expect(links.data[0].linkedObjects[0]).toMatchObject({ linkType: 'employees', targetObject: { __apiName: 'Employee' } });
    expectEnvelope(await http.post(`${base}/objectSets/loadLinks`, { objectSet: { type: 'base', objectType: 'Office' }, links: ['nope'] }), 404, 'LinkTypeNotFound');
    const admin2 = await w.ts.createUser(w.org, { admin: true });
    expectEnvelope(await admin2.http.get(`${base}/objectSets/${objectSetRid}`), 404, 'ObjectSetNotFound');
  });
});
