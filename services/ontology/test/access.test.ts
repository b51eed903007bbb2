import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEnvelope, type HttpClient, type HttpResponse, type TestOrg, type TestUser } from '@openfoundry/testkit';
import { csvDataset, ok, startOntologyServer, waitForIndexed, type OntologyWorld } from './ontology.fixtures.js';

/**
 * Who sees what: the ontology needs read on it; each object type needs read on the type and on its
 * backing dataset; other organizations see nothing; scopes; every data read is audited.
 */
let w: OntologyWorld;
let admin: HttpClient;
let stranger: TestUser;
let viewer: TestUser;
let editor: TestUser;
let other: TestOrg;
let secretRid: string;
let salaries: { rid: string };
let employees: { rid: string };
const rids: Record<string, string> = {};

const base = () => `/api/v2/ontologies/${w.ontologyRid}`;
const MISSING_ONTOLOGY = 'ri.ontology.main.ontology.00000000-0000-4000-8000-000000000000';

async function grant(rid: string, principalId: string, roleId: string) {
  const res = await admin.post(`/api/v2/filesystem/resources/${rid}/roles/add`, { roles: [{ resourceRolePrincipal: { type: 'principalIdOnly', principalId }, roleId }] });
  if (res.status !== 204) throw new Error(`grant failed: ${res.status} ${res.text}`);
}

/** The two 404s are the same to the caller: status, errorCode, errorName and parameter names. */
function sameNotFound(a: HttpResponse, b: HttpResponse, errorName: string) {
  const x = expectEnvelope(a, 404, errorName);
  const y = expectEnvelope(b, 404, errorName);
  expect(x.errorCode).toBe(y.errorCode);
  expect(Object.keys(x.parameters).sort()).toEqual(Object.keys(y.parameters).sort());
}

const doc = () => ({
  interfaceTypes: [{ apiName: 'Named', properties: { label: { type: 'string' } } }],
  objectTypes: [
    {
      apiName: 'Employee',
      dataset: employees.rid,
      primaryKey: 'employeeId',
      titleProperty: 'fullName',
      properties: { employeeId: { column: 'id', type: 'long' }, fullName: { column: 'name', type: 'string' } },
      implements: { Named: { label: 'fullName' } },
    },
    // Kept in the ontology's folder (the viewer may read the type) but backed by a dataset the viewer cannot read.
    {
      apiName: 'Salary',
      dataset: salaries.rid,
      primaryKey: 'employeeId',
      titleProperty: 'band',
      properties: { employeeId: { column: 'employee', type: 'long' }, band: { type: 'string' }, amount: { type: 'long' } },
      implements: { Named: { label: 'band' } },
    },
    // Backed by a dataset the viewer can read, but kept in a folder the viewer cannot read.
    { apiName: 'Budget', dataset: employees.rid, folder: secretRid, primaryKey: 'employeeId', titleProperty: 'employeeId', properties: { employeeId: { column: 'id', type: 'long' } } },
  ],
  linkTypes: [{ apiName: 'salaryOf', cardinality: 'ONE_TO_ONE', from: { objectType: 'Salary', linkApiName: 'employee' }, to: { objectType: 'Employee', linkApiName: 'salary' }, foreignKey: 'employeeId' }],
});

beforeAll(async () => {
  w = await startOntologyServer();
  admin = w.org.admin.http;
  const spaces = ok(await admin.get('/api/v2/filesystem/spaces'), 'spaces');
  secretRid = ok(await admin.post('/api/v2/filesystem/projects/create', { displayName: 'Secret', spaceRid: spaces.data[0].rid }), 'project').rid;
  employees = await csvDataset(admin, w.projectRid, 'employees', 'id,name\n1,Ada\n2,Grace\n3,Alan\n');
  salaries = await csvDataset(admin, secretRid, 'salaries', 'employee,band,amount\n1,Senior,120000\n2,Principal,150000\n');
  ok(await admin.post(`${base()}/apply`, doc()), 'apply');
  await waitForIndexed(admin, w.ontologyRid, 'Employee', employees.rid);
  await waitForIndexed(admin, w.ontologyRid, 'Salary', salaries.rid);
  await waitForIndexed(admin, w.ontologyRid, 'Budget', employees.rid);
  for (const t of ['Employee', 'Salary', 'Budget']) rids[t] = ok(await admin.get(`${base()}/objectTypes/${t}`), t).rid;
  stranger = await w.ts.createUser(w.org);
  viewer = await w.ts.createUser(w.org);
  editor = await w.ts.createUser(w.org);
  await grant(w.projectRid, viewer.userId, 'compass:read');
  await grant(w.projectRid, editor.userId, 'compass:edit');
  other = await w.ts.createOrg();
});
afterAll(async () => {
  await w?.ts.close();
});

describe('a member of the organization without a role', () => {
  it('sees no ontology: OntologyNotFound, as for one that does not exist', async () => {
    const http = stranger.http;
    expect(ok(await http.get('/api/v2/ontologies'), 'list').data).toEqual([]);
    sameNotFound(await http.get(base()), await http.get(`/api/v2/ontologies/${MISSING_ONTOLOGY}`), 'OntologyNotFound');
    sameNotFound(await http.get('/api/v2/ontologies/ops'), await http.get('/api/v2/ontologies/nope'), 'OntologyNotFound');
    expectEnvelope(await http.get(`${base()}/fullMetadata`), 404, 'OntologyNotFound');
    expectEnvelope(await http.get(`${base()}/objects/Employee/1`), 404, 'OntologyNotFound');
    expectEnvelope(await http.post(`${base()}/objectSets/loadObjects`, { objectSet: { type: 'base', objectType: 'Employee' } }), 404, 'OntologyNotFound');
    expectEnvelope(await http.post(`${base()}/apply?dryRun=true`, {}), 404, 'OntologyNotFound');
    expectEnvelope(await http.get(`${base()}/definition`), 404, 'OntologyNotFound');
  });
});

describe('a viewer of the ontology’s folder', () => {
  it('does not see a type whose backing dataset, or whose folder, they cannot read', async () => {
    const http = viewer.http;
    expect(ok(await http.get('/api/v2/ontologies'), 'list').data.map((o: any) => o.rid)).toEqual([w.ontologyRid]);
    const meta = ok(await http.get(`${base()}/fullMetadata`), 'fullMetadata');
    expect(Object.keys(meta.objectTypes)).toEqual(['Employee']);
    expect(meta.objectTypes.Employee.linkTypes).toEqual([]);
    expect(meta.interfaceTypes.Named.implementedByObjectTypes).toEqual(['Employee']);
    expect(JSON.stringify(meta)).not.toMatch(/Salary|Budget|salaryOf/);
    expect(ok(await http.get(`${base()}/objectTypes`), 'list').data.map((t: any) => t.apiName)).toEqual(['Employee']);
    expect(ok(await http.get(`${base()}/interfaceTypes/Named`), 'interface').implementedByObjectTypes).toEqual(['Employee']);
    expect(ok(await http.get(`${base()}/objectTypes/Employee/outgoingLinkTypes`), 'links').data).toEqual([]);
    // The ontology as code holds only what they can read, down to the datasets it names.
    const code = ok(await http.get(`${base()}/definition`), 'definition');
    expect(code.objectTypes.map((t: any) => t.apiName)).toEqual(['Employee']);
    expect(code.linkTypes).toEqual([]);
    expect(JSON.stringify(code)).not.toMatch(/Salary|Budget|salaryOf/);
    expect(JSON.stringify(code)).not.toContain(salaries.rid);
    // The admin sees all three.
    expect(Object.keys(ok(await admin.get(`${base()}/fullMetadata`), 'fullMetadata').objectTypes)).toEqual(['Budget', 'Employee', 'Salary']);

    for (const hidden of ['Salary', 'Budget']) {
      sameNotFound(await http.get(`${base()}/objectTypes/${hidden}`), await http.get(`${base()}/objectTypes/Nope`), 'ObjectTypeNotFound');
      sameNotFound(await http.get(`${base()}/objectTypes/${rids[hidden]}`), await http.get(`${base()}/objectTypes/Nope`), 'ObjectTypeNotFound');
      sameNotFound(await http.get(`${base()}/objects/${hidden}/1`), await http.get(`${base()}/objects/Nope/1`), 'ObjectTypeNotFound');
      expectEnvelope(await http.get(`${base()}/objects/${hidden}`), 404, 'ObjectTypeNotFound');
      expectEnvelope(await http.get(`${base()}/objectTypes/${hidden}/indexStatus`), 404, 'ObjectTypeNotFound');
      expectEnvelope(await http.get(`${base()}/objectTypes/${hidden}/fullMetadata`), 404, 'ObjectTypeNotFound');
      expectEnvelope(await http.post(`${base()}/objects/${hidden}/count`), 404, 'ObjectTypeNotFound');
      expectEnvelope(await http.post(`${base()}/objects/${hidden}/aggregate`, { aggregation: [{ type: 'count' }] }), 404, 'ObjectTypeNotFound');
      expectEnvelope(await http.post(`${base()}/objectSets/loadObjects`, { objectSet: { type: 'base', objectType: hidden } }), 404, 'ObjectTypeNotFound');
      expectEnvelope(await http.post(`${base()}/objectSets/createTemporary`, { objectSet: { type: 'base', objectType: hidden } }), 404, 'ObjectTypeNotFound');
    }
    expectEnvelope(await http.get(`${base()}/objects/Employee/1/links/salary`), 404, 'LinkTypeNotFound');
    expectEnvelope(await http.post(`${base()}/objectSets/loadObjects`, { objectSet: { type: 'searchAround', objectSet: { type: 'base', objectType: 'Employee' }, link: 'salary' } }), 404, 'LinkTypeNotFound');
  });

  it('reads interface sets, static sets and stored sets without the hidden types', async () => {
    const http = viewer.http;
    const named = ok(await http.post(`${base()}/objectSets/loadObjectsMultipleObjectTypes`, { objectSet: { type: 'interfaceBase', interfaceType: 'Named' }, orderBy: { fields: [{ field: 'label' }] } }), 'interface set');
    expect(named.data.map((o: any) => `${o.$apiName}:${o.$title}`)).toEqual(['Employee:Ada', 'Employee:Alan', 'Employee:Grace']);
    expect(named.totalCount).toBe('3');
    expect(named.interfaceToObjectTypeMappings).toEqual({ Named: { Employee: { label: 'fullName' } } });
    const adminNamed = ok(await admin.post(`${base()}/objectSets/loadObjectsMultipleObjectTypes`, { objectSet: { type: 'interfaceBase', interfaceType: 'Named' } }), 'interface set');
    expect(adminNamed.totalCount).toBe('5');
    const agg = ok(await http.post(`${base()}/objectSets/aggregate`, { objectSet: { type: 'interfaceBase', interfaceType: 'Named' }, aggregation: [{ type: 'count', name: 'n' }] }), 'aggregate');
    expect(agg.data).toEqual([{ group: {}, metrics: [{ name: 'n', value: 3 }] }]);

    // Object RIDs of hidden types name nothing the viewer can load.
    const salaryRids = ok(await admin.post(`${base()}/objectSets/loadObjects`, { objectSet: { type: 'base', objectType: 'Salary' } }), 'salaries').data.map((o: any) => o.__rid);
    const budgetRids = ok(await admin.post(`${base()}/objectSets/loadObjects`, { objectSet: { type: 'base', objectType: 'Budget' } }), 'budgets').data.map((o: any) => o.__rid);
    const stat = ok(await http.post(`${base()}/objectSets/loadObjectsMultipleObjectTypes`, { objectSet: { type: 'static', objects: [...salaryRids, ...budgetRids] } }), 'static');
    expect(stat).toMatchObject({ data: [], totalCount: '0' });
    // The admin's temporary set is theirs alone; a saved set the viewer may read is compiled for the viewer.
    const temporary = ok(await admin.post(`${base()}/objectSets/createTemporary`, { objectSet: { type: 'base', objectType: 'Salary' } }), 'createTemporary').objectSetRid;
    expect(ok(await admin.post(`${base()}/objectSets/loadObjects`, { objectSet: { type: 'reference', reference: temporary } }), 'admin reads').data).toHaveLength(2);
    expectEnvelope(await http.post(`${base()}/objectSets/loadObjects`, { objectSet: { type: 'reference', reference: temporary } }), 404, 'ObjectSetNotFound');
    const saved = ok(await admin.post(`${base()}/savedObjectSets`, { parentFolderRid: w.projectRid, name: 'Salaries', objectSet: { type: 'base', objectType: 'Salary' } }), 'save').rid;
    expect(ok(await admin.post(`${base()}/objectSets/loadObjects`, { objectSet: { type: 'reference', reference: saved } }), 'admin reads').data).toHaveLength(2);
    expectEnvelope(await http.post(`${base()}/objectSets/loadObjects`, { objectSet: { type: 'reference', reference: saved } }), 404, 'ObjectTypeNotFound');
    expectEnvelope(await http.post(`${base()}/objectSets/aggregate`, { objectSet: { type: 'reference', reference: saved }, aggregation: [{ type: 'count' }] }), 404, 'ObjectTypeNotFound');
  });

  it('cannot apply: 403, and nothing changes', async () => {
    const http = viewer.http;
    const before = ok(await admin.get(`${base()}/fullMetadata`), 'fullMetadata');
    const applies = ok(await admin.get('/api/v2/audit/events?category=ontology.apply&pageSize=1000'), 'audit').data.length;
    const [employee, , budget] = doc().objectTypes;
    expectEnvelope(await http.post(`${base()}/apply`, { objectTypes: [{ ...employee, displayName: 'Person' }] }), 403, 'EditObjectTypePermissionDenied');
    expectEnvelope(await http.post(`${base()}/apply`, { objectTypes: [{ ...budget, apiName: 'Team', folder: undefined }] }), 403, 'EditOntologyPermissionDenied');
    expectEnvelope(await http.post(`${base()}/apply?prune=true&allowBreakingChanges=true`, {}), 403, 'EditOntologyPermissionDenied');
    expectEnvelope(await http.delete(`${base()}/objectTypes/Employee`), 403, 'EditOntologyPermissionDenied');
    expectEnvelope(await http.post('/api/v2/ontologies', { parentFolderRid: w.projectRid, apiName: 'mine', displayName: 'Mine' }), 403);
    expect(ok(await admin.get(`${base()}/fullMetadata`), 'fullMetadata')).toEqual(before);
    expect(ok(await admin.get('/api/v2/audit/events?category=ontology.apply&pageSize=1000'), 'audit').data).toHaveLength(applies);
  });

  it('plans of apply show nothing of the types they cannot read', async () => {
    const http = viewer.http;
    // Pruning everything would take away what hidden types rely on: refused, without naming them.
    const everything = await http.post(`${base()}/apply?dryRun=true&prune=true`, {});
    expect(expectEnvelope(everything, 400, 'InvalidOntologyDefinition').parameters.problems).toEqual([
      { path: 'interfaceTypes.Named', problem: 'object types you cannot read implement Named and would no longer fit it' },
      { path: 'objectTypes.Employee', problem: 'Employee has links you cannot read, so it cannot be removed' },
    ]);
    expect(everything.text).not.toMatch(/Salary|Budget|salaryOf/);
    // A prune that keeps what they see plans nothing for what they do not see.
    const [employee] = doc().objectTypes;
    const plan = ok(await http.post(`${base()}/apply?dryRun=true&prune=true`, { interfaceTypes: doc().interfaceTypes, objectTypes: [employee] }), 'dry run');
    expect(plan.changes).toEqual([
      { kind: 'interfaceType', apiName: 'Named', action: 'unchanged', changes: [], breaking: [] },
      { kind: 'objectType', apiName: 'Employee', action: 'unchanged', changes: [], breaking: [] },
    ]);
    // Changing a type under a hidden link is refused without naming the link.
    const broken = await http.post(`${base()}/apply?dryRun=true`, { objectTypes: [{ ...employee, primaryKey: 'fullName' }] });
    expect(expectEnvelope(broken, 400, 'InvalidOntologyDefinition').parameters.problems).toEqual([{ path: 'objectTypes[0]', problem: 'the change breaks links of Employee you cannot read' }]);
    expect(broken.text).not.toMatch(/Salary|salaryOf/);
    const clash = await http.post(`${base()}/apply?dryRun=true`, {
      objectTypes: [employee, { ...employee, apiName: 'Person' }],
      linkTypes: [{ apiName: 'twin', cardinality: 'ONE_TO_ONE', from: { objectType: 'Person', linkApiName: 'twin' }, to: { objectType: 'Employee', linkApiName: 'salary' }, foreignKey: 'employeeId' }],
    });
    expect(expectEnvelope(clash, 400, 'InvalidOntologyDefinition').parameters.problems).toEqual([
      { path: 'linkTypes[0].to.linkApiName', problem: 'Employee already has a link named salary (link type (one you cannot read))' },
    ]);
    // Naming a hidden type does not show its definition either.
    const res = await http.post(`${base()}/apply?dryRun=true`, { objectTypes: [{ ...employee, apiName: 'Salary' }] });
    expect(res.text).not.toContain(salaries.rid);
    expect(res.text).not.toMatch(/amount|band/);
    expect(expectEnvelope(res, 400, 'InvalidOntologyDefinition').parameters.problems).toEqual([{ path: 'objectTypes[0].apiName', problem: 'Salary is the API name of an object type you cannot read' }]);
  });

  it('an editor pruning the ontology leaves the types they cannot read alone', async () => {
    const http = editor.http;
    const [employee] = doc().objectTypes;
    const pruned = ok(await http.post(`${base()}/apply?prune=true&allowBreakingChanges=true`, { interfaceTypes: doc().interfaceTypes, objectTypes: [{ ...employee, displayName: 'Staff' }] }), 'prune');
    expect(pruned.changes.map((c: any) => `${c.kind}:${c.apiName}:${c.action}`)).toEqual(['interfaceType:Named:unchanged', 'objectType:Employee:update']);
    expect(Object.keys(ok(await admin.get(`${base()}/fullMetadata`), 'fullMetadata').objectTypes)).toEqual(['Budget', 'Employee', 'Salary']);
    expect(ok(await admin.get(`${base()}/objects/Salary/1/links/employee`), 'link').data.map((o: any) => o.fullName)).toEqual(['Ada']);
    ok(await admin.post(`${base()}/apply`, { objectTypes: [employee] }), 'restore');
  });
});

describe('roles as they change', () => {
  // Roles are cached per principal (services/filesystem role-cache.ts): each grant and revoke must
  // count on the very next request, and a change made behind the API's back (another replica,
  // manual SQL) as soon as its notification arrives.
  it('a grant or a revoke counts on the next request; a grant written in SQL counts once announced', async () => {
    const reader = await w.ts.createUser(w.org);
    const get = () => reader.http.get(`${base()}/objects/Employee/1`);
    const types = async () => Object.keys(ok(await reader.http.get(`${base()}/fullMetadata`), 'fullMetadata').objectTypes);
    expectEnvelope(await get(), 404, 'OntologyNotFound');
    expectEnvelope(await get(), 404, 'OntologyNotFound');
    await grant(w.projectRid, reader.userId, 'compass:read');
    expect(ok(await get(), 'get').fullName).toBe('Ada');
    expect(await types()).toEqual(['Employee']);
    await grant(salaries.rid, reader.userId, 'compass:read');
    expect(await types()).toEqual(['Employee', 'Salary']);
    const removed = await admin.post(`/api/v2/filesystem/resources/${w.projectRid}/roles/remove`, {
      roles: [{ resourceRolePrincipal: { type: 'principalIdOnly', principalId: reader.userId }, roleId: 'compass:read' }],
    });
    expect(removed.status).toBe(204);
    expectEnvelope(await get(), 404, 'OntologyNotFound');

    const db = w.ts.server.platform.database.db;
    await db
      .insertInto('filesystem.role_grants')
      .values({ resource_rid: w.projectRid, org_rid: w.org.orgRid, principal_type: 'USER', principal_id: reader.userId, role_id: 'compass:read', granted_by: w.org.admin.userId, granted_time: new Date() })
      .execute();
    const deadline = Date.now() + 5000;
    let res = await get();
    while (res.status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      res = await get();
    }
    expect(ok(res, 'get after SQL grant').fullName).toBe('Ada');
    await db.deleteFrom('filesystem.role_grants').where('resource_rid', '=', w.projectRid).where('principal_id', '=', reader.userId).execute();
    while (res.status === 200 && Date.now() < deadline + 5000) {
      await new Promise((r) => setTimeout(r, 20));
      res = await get();
    }
    expectEnvelope(res, 404, 'OntologyNotFound');
  });
});

describe('another organization', () => {
  it('gets OntologyNotFound on every endpoint, as for an ontology that does not exist, and nothing leaks', async () => {
    const http = other.admin.http;
    expect(ok(await http.get('/api/v2/ontologies'), 'list').data).toEqual([]);
    const calls: Array<[string, (o: string) => Promise<HttpResponse>]> = [
      ['get', (o) => http.get(`/api/v2/ontologies/${o}`)],
      ['fullMetadata', (o) => http.get(`/api/v2/ontologies/${o}/fullMetadata`)],
      ['listObjectTypes', (o) => http.get(`/api/v2/ontologies/${o}/objectTypes`)],
      ['getObjectType', (o) => http.get(`/api/v2/ontologies/${o}/objectTypes/Employee`)],
      ['interfaceTypes', (o) => http.get(`/api/v2/ontologies/${o}/interfaceTypes`)],
      ['listObjects', (o) => http.get(`/api/v2/ontologies/${o}/objects/Employee`)],
      ['getObject', (o) => http.get(`/api/v2/ontologies/${o}/objects/Employee/1`)],
      ['search', (o) => http.post(`/api/v2/ontologies/${o}/objects/Employee/search`, { where: { type: 'eq', field: 'fullName', value: 'Ada' } })],
      ['count', (o) => http.post(`/api/v2/ontologies/${o}/objects/Employee/count`)],
      ['links', (o) => http.get(`/api/v2/ontologies/${o}/objects/Salary/1/links/employee`)],
      ['loadObjects', (o) => http.post(`/api/v2/ontologies/${o}/objectSets/loadObjects`, { objectSet: { type: 'base', objectType: 'Employee' } })],
      ['loadObjectsMultipleObjectTypes', (o) => http.post(`/api/v2/ontologies/${o}/objectSets/loadObjectsMultipleObjectTypes`, { objectSet: { type: 'interfaceBase', interfaceType: 'Named' } })],
      ['aggregate', (o) => http.post(`/api/v2/ontologies/${o}/objectSets/aggregate`, { objectSet: { type: 'base', objectType: 'Employee' }, aggregation: [{ type: 'count' }] })],
      ['createTemporary', (o) => http.post(`/api/v2/ontologies/${o}/objectSets/createTemporary`, { objectSet: { type: 'base', objectType: 'Employee' } })],
      ['apply', (o) => http.post(`/api/v2/ontologies/${o}/apply`, { objectTypes: [] })],
      ['apply prune', (o) => http.post(`/api/v2/ontologies/${o}/apply?prune=true&allowBreakingChanges=true`, {})],
      ['delete type', (o) => http.delete(`/api/v2/ontologies/${o}/objectTypes/Employee`)],
      ['indexStatus', (o) => http.get(`/api/v2/ontologies/${o}/objectTypes/Employee/indexStatus`)],
      ['definition', (o) => http.get(`/api/v2/ontologies/${o}/definition`)],
    ];
    for (const [what, call] of calls) {
      const theirs = await call(w.ontologyRid);
      const missing = await call(MISSING_ONTOLOGY);
      expect(theirs.status, what).toBe(404);
      sameNotFound(theirs, missing, 'OntologyNotFound');
      expect(theirs.text, what).not.toMatch(/Ada|Employee:|ri\.ontology\.main\.object-type|ri\.foundry\.main\.dataset/);
    }
    // Their own ontology of the same API name is theirs alone.
    const spaces = ok(await http.get('/api/v2/filesystem/spaces'), 'spaces');
    const project = ok(await http.post('/api/v2/filesystem/projects/create', { displayName: 'Theirs', spaceRid: spaces.data[0].rid }), 'project');
    const theirs = ok(await http.post('/api/v2/ontologies', { parentFolderRid: project.rid, apiName: 'ops', displayName: 'Their ops' }), 'ontology');
    expect(ok(await http.get('/api/v2/ontologies/ops'), 'by name')).toMatchObject({ rid: theirs.rid, displayName: 'Their ops' });
    expect(ok(await admin.get('/api/v2/ontologies/ops'), 'by name').rid).toBe(w.ontologyRid);
    expect(ok(await http.get(`/api/v2/ontologies/${theirs.rid}/objectTypes`), 'types').data).toEqual([]);
    // And a reference to our stored set from their ontology finds nothing.
    const ours = ok(await admin.post(`${base()}/objectSets/createTemporary`, { objectSet: { type: 'base', objectType: 'Employee' } }), 'createTemporary').objectSetRid;
    expectEnvelope(await http.post(`/api/v2/ontologies/${theirs.rid}/objectSets/loadObjects`, { objectSet: { type: 'reference', reference: ours } }), 404, 'ObjectSetNotFound');
    // Nothing of theirs was read: no audit event of ours names them.
    const events = ok(await admin.get('/api/v2/audit/events?category=ontology.objects.read&pageSize=1000'), 'audit').data;
    expect(events.filter((e: any) => e.actorId === other.admin.userId)).toEqual([]);
  });
});

describe('scopes', () => {
  it('a token without api:ontologies-read is refused with MissingScope; a read-only token cannot apply', async () => {
    const fsOnly = viewer.http.withToken(ok(await viewer.http.post('/api/v2/auth/tokens', { name: 'fs only', scopes: ['api:filesystem-read', 'api:datasets-read'], expiresInDays: 1 }), 'token').token);
    expectEnvelope(await fsOnly.get('/api/v2/ontologies'), 403, 'MissingScope');
    expectEnvelope(await fsOnly.get(`${base()}/fullMetadata`), 403, 'MissingScope');
    expectEnvelope(await fsOnly.get(`${base()}/objects/Employee/1`), 403, 'MissingScope');
    expectEnvelope(await fsOnly.post(`${base()}/objectSets/loadObjects`, { objectSet: { type: 'base', objectType: 'Employee' } }), 403, 'MissingScope');
    expectEnvelope(await fsOnly.post(`${base()}/objectSets/aggregate`, { objectSet: { type: 'base', objectType: 'Employee' }, aggregation: [{ type: 'count' }] }), 403, 'MissingScope');
    expectEnvelope(await fsOnly.get(`${base()}/objectTypes/Employee/indexStatus`), 403, 'MissingScope');
    // The scope is checked before anything else: the same answer for an ontology that does not exist.
    expectEnvelope(await fsOnly.get(`/api/v2/ontologies/${MISSING_ONTOLOGY}`), 403, 'MissingScope');

    const readOnly = editor.http.withToken(ok(await editor.http.post('/api/v2/auth/tokens', { name: 'read', scopes: ['api:ontologies-read'], expiresInDays: 1 }), 'token').token);
    expect(ok(await readOnly.get(`${base()}/objects/Employee/1`), 'read').fullName).toBe('Ada');
    const [employee] = doc().objectTypes;
    expectEnvelope(await readOnly.post(`${base()}/apply`, { objectTypes: [{ ...employee, displayName: 'Person' }] }), 403, 'MissingScope');
    expectEnvelope(await readOnly.delete(`${base()}/objectTypes/Employee`), 403, 'MissingScope');
    expectEnvelope(await readOnly.post('/api/v2/ontologies', { parentFolderRid: w.projectRid, apiName: 'mine', displayName: 'Mine' }), 403, 'MissingScope');
    expect(ok(await admin.get(`${base()}/objectTypes/Employee`), 'type').displayName).toBe('Employee');
  });
});

describe('audit', () => {
  it('every data read is an ontology.objects.read event of its reader, naming the ontology and the types read', async () => {
    const http = viewer.http;
    const readsOf = async (userId: string) => ok(await admin.get(`/api/v2/audit/events?category=ontology.objects.read&pageSize=1000&actorId=${userId}`), 'audit').data.reverse();
    const earlier = (await readsOf(viewer.userId)).length;
    const adminEarlier = (await readsOf(w.org.admin.userId)).length;
    ok(await http.get(`${base()}/objects/Employee/1`), 'get');
    ok(await http.get(`${base()}/objects/Employee?pageSize=2`), 'list');
    ok(await http.post(`${base()}/objects/Employee/search`, { where: { type: 'eq', field: 'fullName', value: 'Ada' } }), 'search');
    ok(await http.post(`${base()}/objects/Employee/count`), 'count');
    ok(await http.post(`${base()}/objects/Employee/aggregate`, { aggregation: [{ type: 'count' }] }), 'aggregate');
    ok(await http.post(`${base()}/objectSets/loadObjects`, { objectSet: { type: 'base', objectType: 'Employee' } }), 'loadObjects');
    ok(await http.post(`${base()}/objectSets/loadObjectsMultipleObjectTypes`, { objectSet: { type: 'interfaceBase', interfaceType: 'Named' } }), 'loadMultiple');
    ok(await http.post(`${base()}/objectSets/aggregate`, { objectSet: { type: 'interfaceBase', interfaceType: 'Named' }, groupBy: [{ type: 'exact', field: 'label' }], aggregation: [{ type: 'count' }] }), 'aggregate set');
    ok(await admin.get(`${base()}/objects/Salary/2/links/employee`), 'links (admin)');
    // Metadata is not a data read.
    ok(await http.get(`${base()}/fullMetadata`), 'metadata');
    ok(await http.get(`${base()}/objectTypes/Employee`), 'type');

    const mine = await readsOf(viewer.userId);
    const audited = mine.slice(earlier).map((e: any) => ({ resourceRids: e.resourceRids, details: e.details, outcome: e.outcome, organizationRid: e.organizationRid }));
    const employeeRead = (details: Record<string, unknown>) => ({ resourceRids: [w.ontologyRid, rids.Employee], details, outcome: 'success', organizationRid: w.org.orgRid });
    expect(audited).toEqual([
      employeeRead({ operation: 'get' }),
      employeeRead({ operation: 'loadObjects', returned: 2 }),
      employeeRead({ operation: 'loadObjects', returned: 1 }),
      employeeRead({ operation: 'count' }),
      employeeRead({ operation: 'aggregate', groups: 1 }),
      employeeRead({ operation: 'loadObjects', returned: 3 }),
      // The interface set read only the type the viewer may read.
      employeeRead({ operation: 'loadObjectsMultipleObjectTypes', returned: 3 }),
      employeeRead({ operation: 'aggregate', groups: 3 }),
    ]);
    // Following a link reads the linked type.
    const adminReads = (await readsOf(w.org.admin.userId)).slice(adminEarlier);
    expect(adminReads.map((e: any) => ({ resourceRids: e.resourceRids, details: e.details }))).toEqual([{ resourceRids: [w.ontologyRid, rids.Employee], details: { operation: 'loadObjects', returned: 1 } }]);
    // Refused reads are no data reads.
    expectEnvelope(await http.get(`${base()}/objects/Salary/1`), 404, 'ObjectTypeNotFound');
    expect(await readsOf(viewer.userId)).toHaveLength(mine.length);
  });
});
