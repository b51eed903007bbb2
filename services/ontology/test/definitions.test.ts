import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '@openfoundry/db';
import { expectEnvelope, type HttpClient } from '@openfoundry/testkit';
import { csvDataset, ok, startOntologyServer, waitForIndexed, type OntologyWorld } from './ontology.fixtures.js';

/** The ontology as code: every kind of definition problem, breaking changes, prune, DELETE, dry runs and strict bodies. */
let w: OntologyWorld;
let http: HttpClient;
let employees: { rid: string };
let offices: { rid: string };
let dupes: { rid: string };

const base = () => `/api/v2/ontologies/${w.ontologyRid}`;
const EMPLOYEES = `id,name,office,salary,email,level
1,Ada,LON,120000.5,ada@x.test,3
2,Grace,NYC,130000,grace@x.test,4
3,Alan,LON,110000,alan@x.test,2
`;
const EMPLOYEE_SCHEMA = {
  fieldSchemaList: [
    { name: 'id', type: 'LONG', nullable: true },
    { name: 'name', type: 'STRING', nullable: true },
    { name: 'office', type: 'STRING', nullable: true },
    { name: 'salary', type: 'DOUBLE', nullable: true },
    { name: 'email', type: 'STRING', nullable: true },
    { name: 'level', type: 'INTEGER', nullable: true },
  ],
};

const named = () => ({ apiName: 'Named', properties: { label: { type: 'string' } } });
const employee = (over: Record<string, unknown> = {}, properties: Record<string, unknown> = {}) => ({
  apiName: 'Employee',
  dataset: employees.rid,
  primaryKey: 'employeeId',
  titleProperty: 'fullName',
  properties: {
    employeeId: { column: 'id', type: 'long' },
    fullName: { column: 'name', type: 'string' },
    officeCode: { column: 'office', type: 'string' },
    salary: { type: 'double' },
    email: { type: 'string' },
    level: { type: 'integer' },
    ...properties,
  },
  implements: { Named: { label: 'fullName' } },
  ...over,
});
const office = () => ({ apiName: 'Office', dataset: offices.rid, primaryKey: 'code', titleProperty: 'city', properties: { code: { type: 'string' }, city: { type: 'string' } }, implements: { Named: { label: 'city' } } });
const link = (over: Record<string, unknown> = {}) => ({
  apiName: 'employeeOffice',
  cardinality: 'MANY_TO_ONE',
  from: { objectType: 'Employee', linkApiName: 'office' },
  to: { objectType: 'Office', linkApiName: 'employees' },
  foreignKey: 'officeCode',
  ...over,
});
const doc = () => ({ interfaceTypes: [named()], objectTypes: [employee(), office()], linkTypes: [link()] });

/** Everything an apply could change, as the admin sees it. */
async function state() {
  const meta = ok(await http.get(`${base()}/fullMetadata`), 'fullMetadata');
  const applies = ok(await http.get('/api/v2/audit/events?category=ontology.apply&pageSize=1000'), 'audit').data.length;
  const objects = ok(await http.post(`${base()}/objectSets/loadObjects`, { objectSet: { type: 'base', objectType: 'Employee' }, orderBy: { fields: [{ field: meta.objectTypes.Employee.objectType.primaryKey }] } }), 'objects').data;
  return { meta, applies, objects };
}

async function problems(body: unknown, query = ''): Promise<Array<{ path: string; problem: string }>> {
  const res = await http.post(`${base()}/apply${query}`, body);
  return expectEnvelope(res, 400, 'InvalidOntologyDefinition').parameters.problems as Array<{ path: string; problem: string }>;
}

async function indexTables(): Promise<string[]> {
  const r = await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = 'ontology_index' order by 1`.execute(w.ts.server.platform.database.db);
  return r.rows.map((x) => x.name);
}

beforeAll(async () => {
  w = await startOntologyServer();
  http = w.org.admin.http;
  const ds = ok(await http.post('/api/v2/datasets', { parentFolderRid: w.projectRid, name: 'employees' }), 'dataset');
  const q = new URLSearchParams({ format: 'csv', transactionType: 'SNAPSHOT', schema: JSON.stringify(EMPLOYEE_SCHEMA) });
  ok(await http.post(`/api/v2/datasets/${ds.rid}/import?${q}`, undefined, { raw: Buffer.from(EMPLOYEES), headers: { 'content-type': 'application/octet-stream' } }), 'import');
  employees = ds;
  offices = await csvDataset(http, w.projectRid, 'offices', 'code,city\nLON,London\nNYC,New York\n');
  dupes = await csvDataset(http, w.projectRid, 'dupes', 'id,name,score\n1,A,1.5\n1,B,2.5\n,C,3.5\n2,D,4.5\n');
  ok(await http.post(`${base()}/apply`, doc()), 'apply');
  await waitForIndexed(http, w.ontologyRid, 'Employee', employees.rid);
  await waitForIndexed(http, w.ontologyRid, 'Office', offices.rid);
});
afterAll(async () => {
  await w?.ts.close();
});

describe('definition problems', () => {
  it('each kind is refused with the path of what is wrong, and nothing changes', async () => {
    const before = await state();
    expect(before.objects.map((o: any) => o.fullName)).toEqual(['Ada', 'Grace', 'Alan']);
    const cases: Array<[string, unknown, Array<{ path: string; problem: string }>]> = [
      ['unknown column', { objectTypes: [employee({}, { fullName: { column: 'full_name', type: 'string' } })] }, [{ path: 'objectTypes[0].properties.fullName.column', problem: 'the dataset has no column `full_name`' }]],
      ['wrong type mapping', { objectTypes: [employee({}, { salary: { type: 'long' } })] }, [{ path: 'objectTypes[0].properties.salary.type', problem: 'column `salary` is DOUBLE, which cannot back a long property' }]],
      ['narrower integer', { objectTypes: [employee({}, { employeeId: { column: 'id', type: 'integer' } })] }, [{ path: 'objectTypes[0].properties.employeeId.type', problem: 'column `id` is LONG, which cannot back a integer property' }]],
      ['duplicate apiName in the document', { objectTypes: [office(), office()] }, [{ path: 'objectTypes[1].apiName', problem: 'Office appears more than once' }]],
      ['title not a property', { objectTypes: [employee({ titleProperty: 'nickname' })] }, [{ path: 'objectTypes[0].titleProperty', problem: 'nickname is not a property of the object type' }]],
      ['primary key not a property', { objectTypes: [employee({ primaryKey: 'badge' })] }, [{ path: 'objectTypes[0].primaryKey', problem: 'badge is not a property of the object type' }]],
      ['primary key of a type that cannot be one', { objectTypes: [employee({ primaryKey: 'salary' })] }, [{ path: 'objectTypes[0].primaryKey', problem: 'a primary key must be a string or integer property, not double' }]],
      ['foreign key of the wrong type', { linkTypes: [link({ foreignKey: 'level' })] }, [{ path: 'linkTypes[0].foreignKey', problem: 'level is integer but the primary key of Office is string' }]],
      ['foreign key not a property', { linkTypes: [link({ foreignKey: 'office' })] }, [{ path: 'linkTypes[0].foreignKey', problem: 'office is not a property of Employee' }]],
      ['link to an unknown type', { linkTypes: [link({ to: { objectType: 'Desk', linkApiName: 'employees' } })] }, [{ path: 'linkTypes[0].to.objectType', problem: 'there is no object type Desk' }]],
      [
        'interface not implemented completely',
        { interfaceTypes: [{ apiName: 'Located', properties: { label: { type: 'string' }, city: { type: 'string' } } }], objectTypes: [employee({ implements: { Named: { label: 'fullName' }, Located: { label: 'fullName' } } })] },
        [{ path: 'objectTypes[0].implements.Located', problem: 'no property implements Located.city' }],
      ],
      ['interface property of another type', { objectTypes: [employee({ implements: { Named: { label: 'level' } } })] }, [{ path: 'objectTypes[0].implements.Named.label', problem: 'level is integer but Named.label is string' }]],
      ['unknown interface', { objectTypes: [employee({ implements: { Named: { label: 'fullName' }, Nope: { label: 'fullName' } } })] }, [{ path: 'objectTypes[0].implements.Nope', problem: 'there is no interface Nope' }]],
      ['interface extending an unknown one', { interfaceTypes: [{ apiName: 'Named', extends: ['Thing'], properties: { label: { type: 'string' } } }] }, [{ path: 'interfaceTypes[0].extends', problem: 'there is no interface Thing' }]],
      ['unknown dataset', { objectTypes: [employee({ dataset: '/Default/Ops/nope' })] }, [{ path: 'objectTypes[0].dataset', problem: 'there is no dataset /Default/Ops/nope you can read' }]],
      [
        'every problem at once',
        { objectTypes: [employee({ titleProperty: 'nickname' }, { salary: { type: 'long' } }), office(), office()] },
        [
          { path: 'objectTypes[2].apiName', problem: 'Office appears more than once' },
          { path: 'objectTypes[0].properties.salary.type', problem: 'column `salary` is DOUBLE, which cannot back a long property' },
          { path: 'objectTypes[0].titleProperty', problem: 'nickname is not a property of the object type' },
        ],
      ],
    ];
    for (const [what, body, expected] of cases) {
      expect(await problems(body), what).toEqual(expected);
      // A dry run finds the same problems.
      expect(await problems(body, '?dryRun=true'), `${what} (dry run)`).toEqual(expected);
    }
    expect(await state()).toEqual(before);
  });

  it('a primary key that is not unique and non-null in the data is refused', async () => {
    const before = await state();
    const dupe = { apiName: 'Dupe', dataset: dupes.rid, primaryKey: 'dupeId', titleProperty: 'name', properties: { dupeId: { column: 'id', type: 'long' }, name: { type: 'string' } } };
    const found = await problems({ objectTypes: [dupe] });
    expect(found).toHaveLength(1);
    expect(found[0]!.path).toBe('objectTypes[0].primaryKey');
    expect(found[0]!.problem).toMatch(/^dupeId is not a unique, non-null key of the data: 3 rows, e\.g\. /);
    expect(found[0]!.problem.split('e.g. ')[1]!.split('; ').sort()).toEqual(['primary key `id` is null', "primary key `id` value '1' appears in 2 rows", "primary key `id` value '1' appears in 2 rows"]);
    // The name column is unique: as the key it is fine.
    const byName = ok(await http.post(`${base()}/apply?dryRun=true`, { objectTypes: [{ ...dupe, primaryKey: 'name' }] }), 'dry run');
    expect(byName.changes).toEqual([{ kind: 'objectType', apiName: 'Dupe', action: 'create', changes: [], breaking: [] }]);
    expectEnvelope(await http.get(`${base()}/objectTypes/Dupe`), 404, 'ObjectTypeNotFound');
    expect(await state()).toEqual(before);
  });
});

describe('types the document does not name are checked against what it changes', () => {
  it('a kept link whose foreign key goes away is a problem, even with breaking changes allowed', async () => {
    const before = await state();
    expect(await problems({ objectTypes: [employee({}, { officeCode: undefined })] }, '?allowBreakingChanges=true')).toEqual([
      { path: 'linkTypes.employeeOffice.foreignKey', problem: 'officeCode is not a property of Employee' },
    ]);
    expect(await problems({ objectTypes: [employee({}, { officeCode: { column: 'level', type: 'integer' }, level: undefined })] }, '?allowBreakingChanges=true')).toEqual([
      { path: 'linkTypes.employeeOffice.foreignKey', problem: 'officeCode is integer but the primary key of Office is string' },
    ]);
    expect(await state()).toEqual(before);
    // The link still works.
    expect(ok(await http.get(`${base()}/objects/Employee/1/links/office`), 'link').data.map((o: any) => o.city)).toEqual(['London']);
  });

  it('a changed interface is checked against the types that implement it', async () => {
    const before = await state();
    expect(await problems({ interfaceTypes: [{ apiName: 'Named', properties: { label: { type: 'string' }, code: { type: 'string' } } }] })).toEqual([
      { path: 'objectTypes.Employee.implements.Named', problem: 'no property implements Named.code' },
      { path: 'objectTypes.Office.implements.Named', problem: 'no property implements Named.code' },
    ]);
    expect(await problems({ interfaceTypes: [{ apiName: 'Named', properties: { label: { type: 'long' } } }] }, '?allowBreakingChanges=true')).toEqual([
      { path: 'objectTypes.Employee.implements.Named.label', problem: 'fullName is string but Named.label is long' },
      { path: 'objectTypes.Office.implements.Named.label', problem: 'city is string but Named.label is long' },
    ]);
    // Named in the same document, the types can follow the interface.
    const plan = ok(
      await http.post(`${base()}/apply?dryRun=true`, {
        interfaceTypes: [{ apiName: 'Named', properties: { label: { type: 'string' }, code: { type: 'string' } } }],
        objectTypes: [employee({ implements: { Named: { label: 'fullName', code: 'email' } } }), { ...office(), implements: { Named: { label: 'city', code: 'code' } } }],
      }),
      'dry run',
    );
    expect(plan.changes.map((c: any) => `${c.apiName}:${c.action}`)).toEqual(['Named:update', 'Employee:update', 'Office:update']);
    expect(await state()).toEqual(before);
  });
});

describe('object types are resources in a folder', () => {
  it('a display name another resource of the folder has is a problem of the document, and nothing is created', async () => {
    ok(await http.post('/api/v2/datasets', { parentFolderRid: w.projectRid, name: 'desk' }), 'dataset');
    const before = await state();
    const desk = (over: Record<string, unknown> = {}) => ({ apiName: 'Desk', dataset: offices.rid, primaryKey: 'code', titleProperty: 'code', properties: { code: { type: 'string' } }, ...over });
    // Created together with another new type: neither is kept.
    expect(await problems({ objectTypes: [{ ...office(), apiName: 'Branch', displayName: 'Branch' }, desk()] })).toEqual([
      { path: 'objectTypes[1].displayName', problem: 'the folder already holds a resource named Desk; give the object type another displayName or folder' },
    ]);
    expectEnvelope(await http.get(`${base()}/objectTypes/Branch`), 404, 'ObjectTypeNotFound');
    expect(await state()).toEqual(before);
    ok(await http.post(`${base()}/apply`, { objectTypes: [desk({ displayName: 'Desk type' })] }), 'apply');
    expect(ok(await http.get(`${base()}/objectTypes/Desk`), 'type').displayName).toBe('Desk type');
    ok(await http.delete(`${base()}/objectTypes/Desk`), 'delete', 204);
  });

  it('a new display name or description renames the resource, audited; a name the folder holds is refused and nothing changes', async () => {
    ok(await http.post('/api/v2/datasets', { parentFolderRid: w.projectRid, name: 'booth' }), 'dataset');
    const kiosk = (over: Record<string, unknown> = {}) => ({ apiName: 'Kiosk', dataset: offices.rid, primaryKey: 'code', titleProperty: 'code', properties: { code: { type: 'string' } }, ...over });
    ok(await http.post(`${base()}/apply`, { objectTypes: [kiosk({ displayName: 'Kiosk', description: 'A stand' })] }), 'apply');
    const rid = ok(await http.get(`${base()}/objectTypes/Kiosk`), 'type').rid as string;
    const resource = async () => ok(await http.get(`/api/v2/filesystem/resources/${rid}`), 'resource');
    expect(await resource()).toMatchObject({ displayName: 'Kiosk', description: 'A stand' });

    ok(await http.post(`${base()}/apply`, { objectTypes: [kiosk({ displayName: 'Info point', description: 'Where visitors ask' })] }), 'rename');
    const renamed = await resource();
    expect(renamed).toMatchObject({ displayName: 'Info point', description: 'Where visitors ask' });
    expect(renamed.path).toMatch(/\/Info point$/);
    const renames = async () => ok(await http.get(`/api/v2/audit/events?category=filesystem.resource.rename&resourceRid=${rid}`), 'audit').data.map((e: any) => e.details);
    expect(await renames()).toEqual([{ type: 'ONTOLOGY_OBJECT_TYPE', displayName: { from: 'Kiosk', to: 'Info point' }, descriptionChanged: true }]);

    const before = await state();
    expect(await problems({ objectTypes: [kiosk({ displayName: 'BOOTH' })] })).toEqual([
      { path: 'objectTypes[0].displayName', problem: 'the folder already holds a resource named BOOTH; give the object type another displayName or folder' },
    ]);
    expect(await state()).toEqual(before);
    expect(await resource()).toMatchObject({ displayName: 'Info point' });
    expect(await renames()).toHaveLength(1);
    ok(await http.delete(`${base()}/objectTypes/Kiosk`), 'delete', 204);
  });
});

describe('breaking changes', () => {
  const changed = () => employee({ primaryKey: 'email' }, { level: { type: 'long' }, salary: undefined });

  it('are answered 409 BreakingOntologyChanges, listing them, and change nothing; a dry run shows them', async () => {
    const before = await state();
    const refused = expectEnvelope(await http.post(`${base()}/apply`, { objectTypes: [changed()] }), 409, 'BreakingOntologyChanges');
    expect(refused.parameters.changes).toEqual([
      {
        kind: 'objectType',
        apiName: 'Employee',
        breaking: ['primary key changes from employeeId to email: every object gets a new identity', 'property salary is removed', 'property level changes type from integer to long'],
      },
    ]);
    expect(await state()).toEqual(before);
    const plan = ok(await http.post(`${base()}/apply?dryRun=true`, { objectTypes: [changed()] }), 'dry run');
    expect(plan).toEqual({
      ontologyRid: w.ontologyRid,
      dryRun: true,
      changes: [
        {
          kind: 'objectType',
          apiName: 'Employee',
          action: 'update',
          changes: ['primaryKey: employeeId → email', 'properties.salary: removed', 'properties.level.dataType: {"type":"integer"} → {"type":"long"}'],
          breaking: ['primary key changes from employeeId to email: every object gets a new identity', 'property salary is removed', 'property level changes type from integer to long'],
        },
      ],
    });
    expect(await state()).toEqual(before);
  });

  it('are applied with allowBreakingChanges=true and the objects are indexed again', async () => {
    const applied = ok(await http.post(`${base()}/apply?allowBreakingChanges=true`, { objectTypes: [changed()] }), 'apply');
    expect(applied.changes.map((c: any) => `${c.apiName}:${c.action}:${c.breaking.length}`)).toEqual(['Employee:update:3']);
    const s = await waitForIndexed(http, w.ontologyRid, 'Employee', employees.rid);
    expect(s).toMatchObject({ status: 'READY', objectCount: 3, invalidCount: 0, lastMode: 'FULL' });
    const meta = ok(await http.get(`${base()}/objectTypes/Employee`), 'type');
    expect(meta.primaryKey).toBe('email');
    expect(Object.keys(meta.properties)).toEqual(['employeeId', 'fullName', 'officeCode', 'email', 'level']);
    expect(meta.properties.level.dataType).toEqual({ type: 'long' });
    const ada = ok(await http.get(`${base()}/objects/Employee/${encodeURIComponent('ada@x.test')}`), 'by email');
    expect(ada).toMatchObject({ __primaryKey: 'ada@x.test', employeeId: '1', level: '3' });
    expect(ada).not.toHaveProperty('salary');
    expectEnvelope(await http.get(`${base()}/objects/Employee/1`), 404, 'ObjectNotFound');
    expect(ok(await http.get(`${base()}/objects/Office/LON/links/employees?orderBy=properties.email:asc`), 'links').data.map((o: any) => o.email)).toEqual(['ada@x.test', 'alan@x.test']);
    const events = ok(await http.get('/api/v2/audit/events?category=ontology.apply&pageSize=1'), 'audit').data;
    expect(events[0].details).toEqual({ changes: [{ kind: 'objectType', apiName: 'Employee', action: 'update', breaking: true }] });
    // The same document again is no change at all.
    const again = ok(await http.post(`${base()}/apply`, { objectTypes: [changed()] }), 'again');
    expect(again.changes).toEqual([{ kind: 'objectType', apiName: 'Employee', action: 'unchanged', changes: [], breaking: [] }]);
  });
});

describe('dry runs and strict bodies', () => {
  it('a dry run plans without changing anything', async () => {
    const before = await state();
    const desk = { apiName: 'Desk', dataset: offices.rid, primaryKey: 'code', titleProperty: 'code', properties: { code: { type: 'string' } } };
    const plan = ok(await http.post(`${base()}/apply?dryRun=true`, { objectTypes: [desk, employee({ displayName: 'Staff member' }, { level: { type: 'long' }, salary: undefined })], linkTypes: [link()] }), 'dry run');
    expect(plan.changes).toEqual([
      { kind: 'objectType', apiName: 'Desk', action: 'create', changes: [], breaking: [] },
      {
        kind: 'objectType',
        apiName: 'Employee',
        action: 'update',
        changes: ['displayName: Employee → Staff member', 'pluralDisplayName: Employees → Staff members', 'primaryKey: email → employeeId'],
        breaking: ['primary key changes from email to employeeId: every object gets a new identity'],
      },
      { kind: 'linkType', apiName: 'employeeOffice', action: 'unchanged', changes: [], breaking: [] },
    ]);
    expectEnvelope(await http.get(`${base()}/objectTypes/Desk`), 404, 'ObjectTypeNotFound');
    expect(await state()).toEqual(before);
  });

  it('the ontology as code is the document apply takes: applied back, every type is unchanged', async () => {
    const before = await state();
    const code = ok(await http.get(`${base()}/definition`), 'definition');
    expect(code.objectTypes.map((t: any) => t.apiName)).toEqual(['Employee', 'Office']);
    expect(code.objectTypes[0]).toMatchObject({ dataset: employees.rid, branch: 'master', primaryKey: before.meta.objectTypes.Employee.objectType.primaryKey, status: 'ACTIVE' });
    expect(code.objectTypes[0].properties.fullName).toEqual({ column: 'name', type: { type: 'string' }, displayName: 'fullName', searchable: true });
    expect(code.objectTypes[0].properties.employeeId).toEqual({ column: 'id', type: { type: 'long' }, displayName: 'employeeId' });
    expect(code.linkTypes).toEqual([
      { apiName: 'employeeOffice', from: { objectType: 'Employee', linkApiName: 'office', displayName: 'office' }, to: { objectType: 'Office', linkApiName: 'employees', displayName: 'employees' }, cardinality: 'MANY_TO_ONE', status: 'ACTIVE', foreignKey: 'officeCode' },
    ]);
    expect(code.interfaceTypes.map((i: any) => i.apiName)).toEqual(['Named']);
    const plan = ok(await http.post(`${base()}/apply?prune=true`, code), 'apply back');
    expect(plan.changes.filter((c: any) => c.action !== 'unchanged')).toEqual([]);
    expect(plan.changes).toHaveLength(4);
    expect((await state()).objects).toEqual(before.objects);
  });

  it('an unknown field or a wrong value is a 400 naming it', async () => {
    const before = await state();
    const top = expectEnvelope(await http.post(`${base()}/apply`, { ...doc(), objectTypez: [] }), 400, 'InvalidArgument');
    expect(String(top.parameters.field)).toContain('objectTypez');
    const nested = expectEnvelope(await http.post(`${base()}/apply`, { objectTypes: [{ ...office(), colour: 'red' }] }), 400, 'InvalidArgument');
    expect(String(nested.parameters.field)).toContain('colour');
    const inProperty = expectEnvelope(await http.post(`${base()}/apply`, { objectTypes: [{ ...office(), properties: { code: { type: 'string', indexed: true }, city: { type: 'string' } } }] }), 400, 'InvalidArgument');
    expect(String(inProperty.parameters.field)).toContain('indexed');
    const badType = expectEnvelope(await http.post(`${base()}/apply`, { objectTypes: [{ ...office(), properties: { code: { type: 'varchar' }, city: { type: 'string' } } }] }), 400, 'InvalidArgument');
    expect(String(badType.parameters.field)).toContain('properties');
    const badName = expectEnvelope(await http.post(`${base()}/apply`, { objectTypes: [{ ...office(), apiName: '1Office' }] }), 400, 'InvalidArgument');
    expect(String(badName.parameters.field)).toContain('apiName');
    const badQuery = expectEnvelope(await http.post(`${base()}/apply?dryRun=perhaps`, doc()), 400, 'InvalidArgument');
    expect(String(badQuery.parameters.field)).toContain('dryRun');
    expect(await state()).toEqual(before);
  });
});

describe('removing object types', () => {
  it('prune deletes the types the document does not name, with their objects, once breaking changes are allowed', async () => {
    const typeRid = ok(await http.get(`${base()}/objectTypes/Employee`), 'type').rid as string;
    const table = (await indexTables()).find((t) => t.startsWith(`o_${typeRid.slice(-36).replace(/-/g, '')}_`));
    expect(table).toBeDefined();
    const before = await state();
    const keep = { interfaceTypes: [named()], objectTypes: [office()] };
    const refused = expectEnvelope(await http.post(`${base()}/apply?prune=true`, keep), 409, 'BreakingOntologyChanges');
    expect(refused.parameters.changes).toEqual([
      { kind: 'objectType', apiName: 'Employee', breaking: ['objectType Employee and everything that reads it go away'] },
      { kind: 'linkType', apiName: 'employeeOffice', breaking: ['linkType employeeOffice and everything that reads it go away'] },
    ]);
    expect(await state()).toEqual(before);
    // Without prune, types left out of the document stay.
    expect(ok(await http.post(`${base()}/apply`, keep), 'apply').changes.map((c: any) => c.action)).toEqual(['unchanged', 'unchanged']);

    const pruned = ok(await http.post(`${base()}/apply?prune=true&allowBreakingChanges=true`, keep), 'prune');
    expect(pruned.changes.map((c: any) => `${c.kind}:${c.apiName}:${c.action}`)).toEqual(['interfaceType:Named:unchanged', 'objectType:Office:unchanged', 'objectType:Employee:delete', 'linkType:employeeOffice:delete']);
    expectEnvelope(await http.get(`${base()}/objectTypes/Employee`), 404, 'ObjectTypeNotFound');
    expectEnvelope(await http.get(`${base()}/objects/Employee`), 404, 'ObjectTypeNotFound');
    expectEnvelope(await http.get(`${base()}/objects/Office/LON/links/employees`), 404, 'LinkTypeNotFound');
    expectEnvelope(await http.get(`/api/v2/filesystem/resources/${typeRid}`), 404);
    const meta = ok(await http.get(`${base()}/fullMetadata`), 'fullMetadata');
    expect(Object.keys(meta.objectTypes)).toEqual(['Office']);
    expect(meta.interfaceTypes.Named.implementedByObjectTypes).toEqual(['Office']);
    // Its objects go with it: the index table is dropped.
    const deadline = Date.now() + 10_000;
    while ((await indexTables()).includes(table!) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await indexTables()).not.toContain(table);

    // The name can be used again: a new type, indexed from scratch.
    ok(await http.post(`${base()}/apply`, { objectTypes: [employee()], linkTypes: [link()] }), 'apply again');
    const again = ok(await http.get(`${base()}/objectTypes/Employee`), 'type');
    expect(again.rid).not.toBe(typeRid);
    expect(await waitForIndexed(http, w.ontologyRid, 'Employee', employees.rid)).toMatchObject({ status: 'READY', objectCount: 3, lastMode: 'FULL' });
    expect(ok(await http.get(`${base()}/objects/Employee/2`), 'object')).toMatchObject({ fullName: 'Grace', salary: 130000 });
  });

  it('DELETE of an object type removes it and its objects; a linked type cannot be deleted alone', async () => {
    const linked = await problemsOfDelete('Employee');
    expect(linked).toEqual([{ path: 'linkTypes.employeeOffice', problem: 'links Employee and Office, which would no longer both exist' }]);
    expect(ok(await http.get(`${base()}/objects/Employee/2`), 'still there')).toMatchObject({ fullName: 'Grace' });

    ok(await http.post(`${base()}/apply`, { objectTypes: [{ apiName: 'City', dataset: offices.rid, primaryKey: 'city', titleProperty: 'city', properties: { city: { type: 'string' } } }] }), 'apply');
    await waitForIndexed(http, w.ontologyRid, 'City', offices.rid);
    expect(ok(await http.get(`${base()}/objects/City/London`), 'city')).toMatchObject({ __primaryKey: 'London' });
    const cityRid = ok(await http.get(`${base()}/objectTypes/City`), 'type').rid as string;
    const deleted = await http.delete(`${base()}/objectTypes/City`);
    expect(deleted.status, deleted.text).toBe(204);
    expectEnvelope(await http.get(`${base()}/objectTypes/City`), 404, 'ObjectTypeNotFound');
    expectEnvelope(await http.get(`${base()}/objects/City/London`), 404, 'ObjectTypeNotFound');
    expectEnvelope(await http.get(`/api/v2/filesystem/resources/${cityRid}`), 404);
    expectEnvelope(await http.delete(`${base()}/objectTypes/City`), 404, 'ObjectTypeNotFound');
    const events = ok(await http.get('/api/v2/audit/events?category=ontology.apply&pageSize=1'), 'audit').data;
    expect(events[0].details).toEqual({ changes: [{ kind: 'objectType', apiName: 'City', action: 'delete', breaking: true }] });
    const deadline = Date.now() + 10_000;
    const mine = () => indexTables().then((ts) => ts.filter((t) => t.startsWith(`o_${cityRid.slice(-36).replace(/-/g, '')}_`)));
    while ((await mine()).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await mine()).toEqual([]);
    // The others are untouched.
    expect(Object.keys(ok(await http.get(`${base()}/fullMetadata`), 'fullMetadata').objectTypes).sort()).toEqual(['Employee', 'Office']);
  });
});

describe('object types in the trash', () => {
  it('a trashed type is restored, or permanently deleted with its objects', async () => {
    const room = { apiName: 'Room', dataset: offices.rid, primaryKey: 'code', titleProperty: 'city', properties: { code: { type: 'string' }, city: { type: 'string' } } };
    const roomLink = { apiName: 'roomOffice', cardinality: 'ONE_TO_ONE', from: { objectType: 'Room', linkApiName: 'office' }, to: { objectType: 'Office', linkApiName: 'room' }, foreignKey: 'code' };
    ok(await http.post(`${base()}/apply`, { objectTypes: [room], linkTypes: [roomLink] }), 'apply');
    await waitForIndexed(http, w.ontologyRid, 'Room', offices.rid);
    const roomRid = ok(await http.get(`${base()}/objectTypes/Room`), 'type').rid as string;
    expect(ok(await http.get(`${base()}/objects/Office/LON/links/room`), 'link').data.map((o: any) => o.code)).toEqual(['LON']);

    // In the trash it is still read, as a trashed dataset is, until it is restored or permanently deleted.
    ok(await http.delete(`/api/v2/filesystem/resources/${roomRid}`), 'trash', 204);
    expect(ok(await http.get(`${base()}/objects/Room/LON`), 'object')).toMatchObject({ city: 'London' });
    expect(ok(await http.post(`${base()}/apply`, { objectTypes: [office()] }), 'apply').changes.map((c: any) => c.action)).toEqual(['unchanged']);
    ok(await http.post(`/api/v2/filesystem/resources/${roomRid}/restore`), 'restore', 204);
    expect(ok(await http.get(`${base()}/objects/Office/LON/links/room`), 'link').data.map((o: any) => o.code)).toEqual(['LON']);

    ok(await http.delete(`/api/v2/filesystem/resources/${roomRid}`), 'trash', 204);
    ok(await http.post(`/api/v2/filesystem/resources/${roomRid}/permanentlyDelete`), 'permanently delete', 204);
    expectEnvelope(await http.get(`${base()}/objectTypes/Room`), 404, 'ObjectTypeNotFound');
    expectEnvelope(await http.get(`${base()}/objects/Room/LON`), 404, 'ObjectTypeNotFound');
    expectEnvelope(await http.get(`${base()}/objects/Office/LON/links/room`), 404, 'LinkTypeNotFound');
    expect(Object.keys(ok(await http.get(`${base()}/fullMetadata`), 'fullMetadata').objectTypes).sort()).toEqual(['Employee', 'Office']);
  });

  // BUG (index.ts, the ONTOLOGY_OBJECT_TYPE permanent-delete hook): it deletes the type and its index but not the
  // link types that name it. The orphan link then fails every later apply ("links Room and Office, which would no
  // longer both exist") until the whole ontology is pruned, and it comes back on a new type of the same API name
  // (links are matched to types by API name). The hook should delete those link types (and their indexes) too.
  it('a permanently deleted type takes its link types with it', async () => {
    expect(ok(await http.post(`${base()}/apply`, { objectTypes: [office()] }), 'apply').changes.map((c: any) => c.action)).toEqual(['unchanged']);
    const room = { apiName: 'Room', dataset: offices.rid, primaryKey: 'code', titleProperty: 'city', properties: { code: { type: 'string' }, city: { type: 'string' } } };
    ok(await http.post(`${base()}/apply`, { objectTypes: [room] }), 'a new Room');
    expect(ok(await http.get(`${base()}/objectTypes/Office/outgoingLinkTypes`), 'links').data.map((l: any) => l.apiName)).toEqual(['employees']);
  });
});

async function problemsOfDelete(objectType: string) {
  return expectEnvelope(await http.delete(`${base()}/objectTypes/${objectType}`), 400, 'InvalidOntologyDefinition').parameters.problems;
}
