import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '@openfoundry/db';
import { expectEnvelope, type HttpClient } from '@openfoundry/testkit';
import { csvDataset, importCsv, ok, startOntologyServer, waitForIndexed, type OntologyWorld } from './ontology.fixtures.js';

/** Many-to-many and self links, interface object sets, set algebra, static and stored sets, and the aggregation group-bys. */
let w: OntologyWorld;
let http: HttpClient;
let enrollments: { rid: string };

const STUDENTS = `id,name,grade,enrolled,city
1,Ada,95,2024-01-15,London
2,Ben,72,2024-01-20,Paris
3,Cleo,88,2024-02-03,London
4,Dan,55,2024-03-30,Berlin
5,Eve,90,2024-04-01,Paris
6,Finn,,2024-07-14,Berlin
`;
const COURSES = `code,title,credits,launched,city
ART,Art History,5,2023-09-01,Paris
BIO,Biology,10,2024-02-10,London
CS,Computer Science,20,2024-01-01,London
`;
// Two rows miss a side; one pair is repeated.
const ENROLLMENTS = `student,course
1,CS
1,BIO
2,ART
3,CS
5,ART
5,CS
,BIO
4,
1,CS
`;
const PEOPLE = `id,name,manager
1,Boss,
2,Mid,1
3,Low,2
4,Other,1
`;

const base = () => `/api/v2/ontologies/${w.ontologyRid}`;
const load = async (objectSet: unknown, extra: Record<string, unknown> = {}) => ok(await http.post(`${base()}/objectSets/loadObjects`, { objectSet, pageSize: 1000, ...extra }), 'loadObjects');
const loadMany = async (objectSet: unknown, extra: Record<string, unknown> = {}) => ok(await http.post(`${base()}/objectSets/loadObjectsMultipleObjectTypes`, { objectSet, pageSize: 1000, ...extra }), 'loadObjectsMultipleObjectTypes');
const aggregate = async (objectSet: unknown, groupBy: unknown[], aggregation: unknown[] = [{ type: 'count', name: 'n' }]) => ok(await http.post(`${base()}/objectSets/aggregate`, { objectSet, groupBy, aggregation }), 'aggregate');
const keys = (page: { data: Array<Record<string, any>> }) => page.data.map((o) => o.__primaryKey ?? o.$primaryKey);
const sortedKeys = (page: { data: Array<Record<string, any>> }) => keys(page).sort();
const students = { type: 'base', objectType: 'Student' };
const named = { type: 'interfaceBase', interfaceType: 'Named' };
const where = (objectSet: unknown, w: unknown) => ({ type: 'filter', objectSet, where: w });
/** Groups as `key → metrics values`, in key order (the order of groups is not part of the contract). */
const byGroup = (agg: { data: Array<{ group: Record<string, unknown>; metrics: Array<{ value: unknown }> }> }) =>
  agg.data.map((d) => [JSON.stringify(Object.values(d.group).length === 1 ? Object.values(d.group)[0] : d.group), ...d.metrics.map((m) => m.value)]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));

async function linkIndex(): Promise<{ status: string; pairCount: number; invalidCount: number; indexedTransactionRid?: string; invalidRows: Array<{ primaryKey: string | null; reason: string; values: unknown }> }> {
  return ok(await http.get(`${base()}/objectTypes/Student/outgoingLinkTypes/courses/indexStatus`), 'link index status');
}

async function waitForLinkIndex(datasetRid: string) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const head = ok(await http.get(`/api/v2/datasets/${datasetRid}/branches/master`), 'branch').transactionRid;
    const row = await linkIndex();
    if (row.status === 'FAILED' || (row.status === 'READY' && row.indexedTransactionRid === head)) return row;
    if (Date.now() > deadline) throw new Error(`link index not ready: ${JSON.stringify(row)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  w = await startOntologyServer();
  http = w.org.admin.http;
  const studentsDs = await csvDataset(http, w.projectRid, 'students', STUDENTS);
  const coursesDs = await csvDataset(http, w.projectRid, 'courses', COURSES);
  enrollments = await csvDataset(http, w.projectRid, 'enrollments', ENROLLMENTS);
  const people = await csvDataset(http, w.projectRid, 'people', PEOPLE);
  ok(
    await http.post(`${base()}/apply`, {
      interfaceTypes: [{ apiName: 'Named', properties: { label: { type: 'string' }, city: { type: 'string' }, since: { type: 'date' } } }],
      objectTypes: [
        {
          apiName: 'Student',
          dataset: studentsDs.rid,
          primaryKey: 'studentId',
          titleProperty: 'name',
          properties: { studentId: { column: 'id', type: 'long' }, name: { type: 'string' }, grade: { type: 'long' }, enrolled: { type: 'date' }, city: { type: 'string' } },
          implements: { Named: { label: 'name', city: 'city', since: 'enrolled' } },
        },
        {
          apiName: 'Course',
          dataset: coursesDs.rid,
          primaryKey: 'code',
          titleProperty: 'title',
          properties: { code: { type: 'string' }, title: { type: 'string' }, credits: { type: 'long' }, launched: { type: 'date' }, city: { type: 'string' } },
          implements: { Named: { label: 'title', city: 'city', since: 'launched' } },
        },
        {
          apiName: 'Person',
          dataset: people.rid,
          primaryKey: 'personId',
          titleProperty: 'name',
          properties: { personId: { column: 'id', type: 'long' }, name: { type: 'string' }, managerId: { column: 'manager', type: 'long' } },
        },
      ],
      linkTypes: [
        {
          apiName: 'enrollment',
          cardinality: 'MANY_TO_MANY',
          from: { objectType: 'Student', linkApiName: 'courses' },
          to: { objectType: 'Course', linkApiName: 'students' },
          dataset: enrollments.rid,
          fromColumn: 'student',
          toColumn: 'course',
        },
        { apiName: 'management', cardinality: 'MANY_TO_ONE', from: { objectType: 'Person', linkApiName: 'manager' }, to: { objectType: 'Person', linkApiName: 'reports' }, foreignKey: 'managerId' },
      ],
    }),
    'apply',
  );
  await waitForIndexed(http, w.ontologyRid, 'Student', studentsDs.rid);
  await waitForIndexed(http, w.ontologyRid, 'Course', coursesDs.rid);
  await waitForIndexed(http, w.ontologyRid, 'Person', people.rid);
});
afterAll(async () => {
  await w?.ts.close();
});

describe('a MANY_TO_MANY link through a join dataset', () => {
  let linkRid: string;

  it('is described from both sides and indexed, rows missing a side counted invalid', async () => {
    const fromStudent = ok(await http.get(`${base()}/objectTypes/Student/outgoingLinkTypes`), 'outgoing').data;
    expect(fromStudent).toEqual([{ apiName: 'courses', displayName: 'courses', status: 'ACTIVE', objectTypeApiName: 'Course', cardinality: 'MANY', linkTypeRid: expect.stringMatching(/^ri\.ontology\.main\.relation\./) }]);
    const fromCourse = ok(await http.get(`${base()}/objectTypes/Course/outgoingLinkTypes/students`), 'outgoing');
    expect(fromCourse).toMatchObject({ apiName: 'students', objectTypeApiName: 'Student', cardinality: 'MANY', linkTypeRid: fromStudent[0].linkTypeRid });
    linkRid = fromStudent[0].linkTypeRid;
    // Six distinct pairs; `,BIO` and `4,` cannot be links.
    const status = await waitForLinkIndex(enrollments.rid);
    expect(status).toMatchObject({ status: 'READY', pairCount: 6, invalidCount: 2, linkTypeRid: linkRid });
    expect(status.invalidRows.map((r) => [r.primaryKey, r.reason, r.values]).sort((a, b) => String(a[1]).localeCompare(String(b[1])))).toEqual([
      ['4', 'column `course`: is null', { student: '4', course: null }],
      [null, 'column `student` is null', { student: null, course: 'BIO' }],
    ]);
  });

  it('is followed both ways by the links endpoints and by search-arounds', async () => {
    const ada = ok(await http.get(`${base()}/objects/Student/1/links/courses?orderBy=properties.code:asc`), 'links');
    expect(ada.data.map((o: any) => [o.__apiName, o.code, o.title])).toEqual([
      ['Course', 'BIO', 'Biology'],
      ['Course', 'CS', 'Computer Science'],
    ]);
    expect(ok(await http.get(`${base()}/objects/Course/CS/links/students?orderBy=properties.name:desc`), 'links').data.map((o: any) => o.name)).toEqual(['Eve', 'Cleo', 'Ada']);
    expect(ok(await http.get(`${base()}/objects/Course/BIO/links/students`), 'links').data.map((o: any) => o.name)).toEqual(['Ada']);
    expect(ok(await http.get(`${base()}/objects/Student/4/links/courses`), 'links').data).toEqual([]);
    expect(ok(await http.get(`${base()}/objects/Student/1/links/courses/CS`), 'linked')).toMatchObject({ __apiName: 'Course', __primaryKey: 'CS' });
    expectEnvelope(await http.get(`${base()}/objects/Student/1/links/courses/ART`), 404, 'LinkedObjectNotFound');

    const paris = where(students, { type: 'eq', field: 'city', value: 'Paris' });
    expect(sortedKeys(await load({ type: 'searchAround', objectSet: paris, link: 'courses' }))).toEqual(['ART', 'CS']);
    // Two hops: everyone who shares a course with Ada (Ada included).
    const classmates = { type: 'searchAround', objectSet: { type: 'searchAround', objectSet: where(students, { type: 'eq', field: 'studentId', value: 1 }), link: 'courses' }, link: 'students' };
    expect(sortedKeys(await load(classmates))).toEqual(['1', '3', '5']);
    const agg = await aggregate({ type: 'searchAround', objectSet: { type: 'base', objectType: 'Course' }, link: 'students' }, [], [{ type: 'count', name: 'n' }]);
    expect(agg.data).toEqual([{ group: {}, metrics: [{ name: 'n', value: 4 }] }]);
  });

  it('is rebuilt from a join dataset repeating a pair far apart (more than one load batch)', async () => {
    const filler = Array.from({ length: 6000 }, (_, i) => `${1000 + i},ART`);
    await importCsv(http, enrollments.rid, `student,course\n1,CS\n2,BIO\n${filler.join('\n')}\n1,CS\n`, 'SNAPSHOT');
    const rebuilt = await waitForLinkIndex(enrollments.rid);
    expect(rebuilt).toMatchObject({ status: 'READY', pairCount: 6002, invalidCount: 0 });
    expect(ok(await http.get(`${base()}/objects/Student/1/links/courses`), 'links').data.map((o: any) => o.code)).toEqual(['CS']);
    expect(ok(await http.get(`${base()}/objects/Course/ART/links/students`), 'links').data).toEqual([]);
    expect(ok(await http.get(`${base()}/objects/Course/BIO/links/students`), 'links').data.map((o: any) => o.name)).toEqual(['Ben']);
    // Back to the first data for the tests that follow.
    await importCsv(http, enrollments.rid, ENROLLMENTS, 'SNAPSHOT');
    expect(await waitForLinkIndex(enrollments.rid)).toMatchObject({ status: 'READY', pairCount: 6, invalidCount: 2 });
  });
});

describe('a link from a type to itself', () => {
  it('has two named sides, each followed the right way', async () => {
    const sides = ok(await http.get(`${base()}/objectTypes/Person/outgoingLinkTypes`), 'outgoing').data;
    expect(sides.map((s: any) => [s.apiName, s.objectTypeApiName, s.cardinality, s.foreignKeyPropertyApiName])).toEqual([
      ['manager', 'Person', 'ONE', 'managerId'],
      ['reports', 'Person', 'MANY', undefined],
    ]);
    expect(ok(await http.get(`${base()}/objects/Person/3/links/manager`), 'manager').data.map((o: any) => o.name)).toEqual(['Mid']);
    expect(ok(await http.get(`${base()}/objects/Person/1/links/manager`), 'manager').data).toEqual([]);
    expect(ok(await http.get(`${base()}/objects/Person/1/links/reports?orderBy=properties.name:asc`), 'reports').data.map((o: any) => o.name)).toEqual(['Mid', 'Other']);
    const boss = where({ type: 'base', objectType: 'Person' }, { type: 'eq', field: 'personId', value: 1 });
    expect(sortedKeys(await load({ type: 'searchAround', objectSet: { type: 'searchAround', objectSet: boss, link: 'reports' }, link: 'reports' }))).toEqual(['3']);
    const low = where({ type: 'base', objectType: 'Person' }, { type: 'eq', field: 'personId', value: 3 });
    expect(sortedKeys(await load({ type: 'searchAround', objectSet: { type: 'searchAround', objectSet: low, link: 'manager' }, link: 'manager' }))).toEqual(['1']);
    // Everyone with a manager who has a manager.
    const withManager = where({ type: 'base', objectType: 'Person' }, { type: 'isNull', field: 'managerId', value: false });
    expect(sortedKeys(await load({ type: 'searchAround', objectSet: { type: 'searchAround', objectSet: withManager, link: 'manager' }, link: 'reports' }))).toEqual(['2', '3', '4']);
  });
});

describe('interface object sets', () => {
  it('filter by a shared property and come back with the interface mappings', async () => {
    const london = await loadMany(where(named, { type: 'eq', field: 'city', value: 'London' }), { orderBy: { fields: [{ field: 'label' }] } });
    expect(london.data.map((o: any) => [o.$apiName, o.$primaryKey, o.$title])).toEqual([
      ['Student', '1', 'Ada'],
      ['Course', 'BIO', 'Biology'],
      ['Student', '3', 'Cleo'],
      ['Course', 'CS', 'Computer Science'],
    ]);
    expect(london.data[0]).toEqual({
      $apiName: 'Student',
      $primaryKey: '1',
      $title: 'Ada',
      $rid: expect.stringMatching(/^ri\.phonograph2-objects\.main\.object\.[0-9a-f]{32}\./),
      studentId: '1',
      name: 'Ada',
      grade: '95',
      enrolled: '2024-01-15',
      city: 'London',
    });
    expect(london.totalCount).toBe('4');
    expect(london.nextPageToken).toBeUndefined();
    expect(london.interfaceToObjectTypeMappings).toEqual({
      Named: { Student: { label: 'name', city: 'city', since: 'enrolled' }, Course: { label: 'title', city: 'city', since: 'launched' } },
    });
    expect(london.interfaceToObjectTypeMappingsV2.Named.Course).toEqual({
      label: { type: 'localPropertyImplementation', propertyApiName: 'title' },
      city: { type: 'localPropertyImplementation', propertyApiName: 'city' },
      since: { type: 'localPropertyImplementation', propertyApiName: 'launched' },
    });

    const b = await loadMany(where(named, { type: 'startsWith', field: 'label', value: 'B' }), { select: ['label'], excludeRid: true });
    expect(b.data.map((o: any) => o).sort((x: any, y: any) => x.$primaryKey.localeCompare(y.$primaryKey))).toEqual([
      { $apiName: 'Student', $primaryKey: '2', $title: 'Ben', name: 'Ben' },
      { $apiName: 'Course', $primaryKey: 'BIO', $title: 'Biology', title: 'Biology' },
    ]);
    const onlyStudents = await loadMany(where(named, { type: 'lt', field: 'since', value: '2024-01-16' }));
    expect(onlyStudents.data.map((o: any) => o.$primaryKey).sort()).toEqual(['1', 'ART', 'CS']);
    // A local property name is not a shared one.
    expectEnvelope(await http.post(`${base()}/objectSets/loadObjectsMultipleObjectTypes`, { objectSet: where(named, { type: 'eq', field: 'title', value: 'Biology' }) }), 404, 'PropertiesNotFound');
    expectEnvelope(await http.post(`${base()}/objectSets/loadObjects`, { objectSet: named }), 400, 'InterfaceBasedObjectSetNotSupported');
  });

  it('sort and page by a shared property across both types', async () => {
    const labels: string[] = [];
    let pageToken: string | undefined;
    const pages: number[] = [];
    do {
      const page = await loadMany(named, { orderBy: { fields: [{ field: 'label', direction: 'asc' }] }, pageSize: 4, ...(pageToken ? { pageToken } : {}) });
      expect(page.totalCount).toBe('9');
      labels.push(...page.data.map((o: any) => o.name ?? o.title));
      pages.push(page.data.length);
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(pages).toEqual([4, 4, 1]);
    expect(labels).toEqual(['Ada', 'Art History', 'Ben', 'Biology', 'Cleo', 'Computer Science', 'Dan', 'Eve', 'Finn']);
    // Ties on the sort key across types are broken by type and primary key, page after page.
    const byCity: string[] = [];
    pageToken = undefined;
    do {
      const page = await loadMany(named, { orderBy: { fields: [{ field: 'city' }] }, pageSize: 2, ...(pageToken ? { pageToken } : {}) });
      byCity.push(...page.data.map((o: any) => `${o.city}:${o.$apiName}:${o.$primaryKey}`));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(byCity).toEqual([
      'Berlin:Student:4',
      'Berlin:Student:6',
      'London:Course:BIO',
      'London:Course:CS',
      'London:Student:1',
      'London:Student:3',
      'Paris:Course:ART',
      'Paris:Student:2',
      'Paris:Student:5',
    ]);
    const newest = await loadMany(named, { orderBy: { fields: [{ field: 'since', direction: 'desc' }] }, pageSize: 3 });
    expect(newest.data.map((o: any) => o.$primaryKey)).toEqual(['6', '5', '4']);
  });

  it('aggregate grouped by a shared property', async () => {
    const agg = await aggregate(named, [{ type: 'exact', field: 'city' }], [
      { type: 'count', name: 'n' },
      { type: 'min', field: 'since', name: 'first' },
      { type: 'max', field: 'since', name: 'last' },
    ]);
    expect(byGroup(agg)).toEqual([
      ['"Berlin"', 2, '2024-03-30', '2024-07-14'],
      ['"London"', 4, '2024-01-01', '2024-02-10'],
      ['"Paris"', 3, '2023-09-01', '2024-04-01'],
    ]);
    expect(agg.data.find((d: any) => d.group.city === 'London').metrics.map((m: any) => m.name)).toEqual(['n', 'first', 'last']);
    const filtered = await aggregate(where(named, { type: 'gte', field: 'since', value: '2024-02-01' }), [{ type: 'exact', field: 'city' }]);
    expect(byGroup(filtered)).toEqual([
      ['"Berlin"', 2],
      ['"London"', 2],
      ['"Paris"', 1],
    ]);
  });
});

describe('set algebra and static sets', () => {
  const good = where(students, { type: 'gte', field: 'grade', value: 88 });
  const paris = where(students, { type: 'eq', field: 'city', value: 'Paris' });

  it('union, intersect and subtract', async () => {
    expect(sortedKeys(await load({ type: 'union', objectSets: [good, paris] }))).toEqual(['1', '2', '3', '5']);
    expect(sortedKeys(await load({ type: 'intersect', objectSets: [good, paris] }))).toEqual(['5']);
    expect(sortedKeys(await load({ type: 'subtract', objectSets: [good, paris] }))).toEqual(['1', '3']);
    expect(sortedKeys(await load({ type: 'subtract', objectSets: [paris, good] }))).toEqual(['2']);
    // A null grade is not ">= 88": Finn stays when the good ones are taken away.
    expect(sortedKeys(await load({ type: 'subtract', objectSets: [students, good] }))).toEqual(['2', '4', '6']);
    const mixed = await loadMany({ type: 'union', objectSets: [paris, where({ type: 'base', objectType: 'Course' }, { type: 'eq', field: 'city', value: 'Paris' })] });
    expect(mixed.data.map((o: any) => `${o.$apiName}:${o.$primaryKey}`).sort()).toEqual(['Course:ART', 'Student:2', 'Student:5']);
    expect(mixed.totalCount).toBe('3');
    expect(mixed.interfaceToObjectTypeMappings).toEqual({ Named: { Student: { label: 'name', city: 'city', since: 'enrolled' }, Course: { label: 'title', city: 'city', since: 'launched' } } });
    expect(sortedKeys(await load({ type: 'intersect', objectSets: [students, { type: 'base', objectType: 'Course' }] }))).toEqual([]);
    const counted = await aggregate({ type: 'union', objectSets: [good, paris] }, [], [{ type: 'count', name: 'n' }]);
    expect(counted.data[0].metrics).toEqual([{ name: 'n', value: 4 }]);
  });

  it('static sets of object RIDs', async () => {
    const all = await load(students, { excludeRid: false, orderBy: { fields: [{ field: 'studentId' }] } });
    const rid = Object.fromEntries(all.data.map((o: any) => [o.__primaryKey, o.__rid as string]));
    expect(Object.keys(rid)).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(sortedKeys(await load({ type: 'static', objects: [rid['2'], rid['4']] }))).toEqual(['2', '4']);
    expect(sortedKeys(await load(where({ type: 'static', objects: [rid['1'], rid['2'], rid['4']] }, { type: 'gt', field: 'grade', value: 60 })))).toEqual(['1', '2']);
    const cs = (await load({ type: 'base', objectType: 'Course' }, { excludeRid: false })).data.find((o: any) => o.code === 'CS').__rid;
    const both = await loadMany({ type: 'static', objects: [rid['3'], cs] });
    expect(both.data.map((o: any) => `${o.$apiName}:${o.$primaryKey}`).sort()).toEqual(['Course:CS', 'Student:3']);
    expectEnvelope(await http.post(`${base()}/objectSets/loadObjects`, { objectSet: { type: 'static', objects: [rid['3'], cs] } }), 400, 'UnsupportedObjectSet');
    expect(sortedKeys(await load({ type: 'union', objectSets: [{ type: 'static', objects: [rid['6']] }, paris] }))).toEqual(['2', '5', '6']);
  });
});

describe('stored object sets', () => {
  const good = where(students, { type: 'gte', field: 'grade', value: 88 });

  it('createTemporary stores a set that reference sets read', async () => {
    const created = ok(await http.post(`${base()}/objectSets/createTemporary`, { objectSet: good }), 'createTemporary');
    expect(created.objectSetRid).toMatch(/^ri\.object-set-service\.main\.object-set\./);
    expect(ok(await http.get(`${base()}/objectSets/${created.objectSetRid}`), 'get set')).toEqual(good);
    expect(sortedKeys(await load({ type: 'reference', reference: created.objectSetRid }))).toEqual(['1', '3', '5']);
    const paris = where(students, { type: 'eq', field: 'city', value: 'Paris' });
    expect(sortedKeys(await load({ type: 'subtract', objectSets: [{ type: 'reference', reference: created.objectSetRid }, paris] }))).toEqual(['1', '3']);
    expect(sortedKeys(await load({ type: 'searchAround', objectSet: { type: 'reference', reference: created.objectSetRid }, link: 'courses' }))).toEqual(['ART', 'BIO', 'CS']);
  });

  it('a missing reference is ObjectSetNotFound, also when storing a set that names one', async () => {
    const missing = 'ri.object-set-service.main.object-set.00000000-0000-4000-8000-000000000000';
    expect(expectEnvelope(await http.post(`${base()}/objectSets/loadObjects`, { objectSet: { type: 'reference', reference: missing } }), 404, 'ObjectSetNotFound').parameters).toEqual({ objectSetRid: missing });
    expectEnvelope(await http.post(`${base()}/objectSets/createTemporary`, { objectSet: { type: 'union', objectSets: [students, { type: 'reference', reference: missing }] } }), 404, 'ObjectSetNotFound');
    expectEnvelope(await http.get(`${base()}/objectSets/${missing}`), 404, 'ObjectSetNotFound');
    // Another organization's sets are not there for this one.
    const other = await w.ts.createOrg();
    const theirs = ok(await http.post(`${base()}/objectSets/createTemporary`, { objectSet: students }), 'createTemporary').objectSetRid;
    expectEnvelope(await other.admin.http.get(`${base()}/objectSets/${theirs}`), 404, 'OntologyNotFound');
  });

  it('references count towards the nesting limit, and a reference cycle is refused', async () => {
    // Each set can only name sets that already exist, so a chain is built one link at a time.
    let rid = ok(await http.post(`${base()}/objectSets/createTemporary`, { objectSet: students }), 'createTemporary').objectSetRid as string;
    const chain = [rid];
    for (let i = 1; i <= 20; i++) {
      rid = ok(await http.post(`${base()}/objectSets/createTemporary`, { objectSet: { type: 'reference', reference: rid } }), `createTemporary ${i}`).objectSetRid;
      chain.push(rid);
    }
    // A reference to chain[19] reaches the base set 20 levels down: the limit.
    expect(sortedKeys(await load({ type: 'reference', reference: chain[19] }))).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(sortedKeys(await load({ type: 'union', objectSets: [{ type: 'reference', reference: chain[18] }] }))).toEqual(['1', '2', '3', '4', '5', '6']);
    // One level more is refused, when loaded and when stored.
    const tooDeep = { problem: 'object set definitions may nest at most 20 levels' };
    expect(expectEnvelope(await http.post(`${base()}/objectSets/loadObjects`, { objectSet: { type: 'reference', reference: chain[20] } }), 400, 'UnsupportedObjectSet').parameters).toEqual(tooDeep);
    expect(expectEnvelope(await http.post(`${base()}/objectSets/loadObjects`, { objectSet: { type: 'union', objectSets: [{ type: 'reference', reference: chain[19] }] } }), 400, 'UnsupportedObjectSet').parameters).toEqual(tooDeep);
    expect(expectEnvelope(await http.post(`${base()}/objectSets/createTemporary`, { objectSet: { type: 'reference', reference: chain[20] } }), 400, 'UnsupportedObjectSet').parameters).toEqual(tooDeep);
    expect(expectEnvelope(await http.post(`${base()}/objectSets/aggregate`, { objectSet: { type: 'reference', reference: chain[20] }, aggregation: [{ type: 'count' }] }), 400, 'UnsupportedObjectSet').parameters).toEqual(tooDeep);

    // A stored set can only name sets that exist when it is stored; the compiler still guards against a cycle made
    // afterwards (a saved set changed to name one that names it, see below). Make chain[1] name chain[2], which names chain[1].
    await sql`update ontology.object_sets set object_set = ${JSON.stringify({ type: 'reference', reference: chain[2] })}::jsonb where rid = ${chain[1]!}`.execute(w.ts.server.platform.database.db);
    expect(expectEnvelope(await http.post(`${base()}/objectSets/loadObjects`, { objectSet: { type: 'reference', reference: chain[2] } }), 400, 'UnsupportedObjectSet').parameters).toEqual({ problem: `object set ${chain[2]} refers to itself` });
    expect(expectEnvelope(await http.post(`${base()}/objectSets/loadObjects`, { objectSet: { type: 'reference', reference: chain[6] } }), 400, 'UnsupportedObjectSet').parameters).toEqual({ problem: `object set ${chain[2]} refers to itself` });
    expectEnvelope(await http.post(`${base()}/objectSets/createTemporary`, { objectSet: { type: 'reference', reference: chain[3] } }), 400, 'UnsupportedObjectSet');
    // The same set twice side by side is no cycle.
    const twice = await load({ type: 'intersect', objectSets: [{ type: 'reference', reference: chain[0] }, { type: 'reference', reference: chain[0] }] });
    expect(sortedKeys(twice)).toEqual(['1', '2', '3', '4', '5', '6']);
  });
});

describe('saved object sets and cycles', () => {
  const save = async (name: string, objectSet: unknown) => ok(await http.post(`${base()}/savedObjectSets`, { parentFolderRid: w.projectRid, name, objectSet }), `save ${name}`).rid as string;

  it('a saved set referencing another reads through it', async () => {
    const good = await save('Good students', where(students, { type: 'gte', field: 'grade', value: 88 }));
    const theirCourses = await save('Their courses', { type: 'searchAround', objectSet: { type: 'reference', reference: good }, link: 'courses' });
    expect(sortedKeys(await load({ type: 'reference', reference: theirCourses }))).toEqual(['ART', 'BIO', 'CS']);
    ok(await http.put(`${base()}/savedObjectSets/${good}`, { objectSet: where(students, { type: 'eq', field: 'city', value: 'Berlin' }) }), 'update');
    expect(sortedKeys(await load({ type: 'reference', reference: theirCourses }))).toEqual([]);
  });

  // BUG (object-set.service.ts, ObjectSetService.update): the new definition is compiled without the set's own RID
  // among the references, so it loads the set's *stored* definition and accepts a change that makes a cycle; every
  // read of the set then fails with "refers to itself". The update should be refused (compile with references [rid]).
  it('a saved set cannot be changed to refer to itself, directly or through another set', async () => {
    const a = await save('Cycle A', students);
    const b = await save('Cycle B', { type: 'reference', reference: a });
    const direct = await http.put(`${base()}/savedObjectSets/${a}`, { objectSet: { type: 'reference', reference: a } });
    const through = await http.put(`${base()}/savedObjectSets/${a}`, { objectSet: { type: 'reference', reference: b } });
    expect(ok(await http.get(`${base()}/savedObjectSets/${a}`), 'get').objectSet).toEqual(students);
    expectEnvelope(direct, 400, 'UnsupportedObjectSet');
    expectEnvelope(through, 400, 'UnsupportedObjectSet');
  });
});

describe('aggregation group-bys', () => {
  it('fixedWidth and ranges over a number', async () => {
    expect(byGroup(await aggregate(students, [{ type: 'fixedWidth', field: 'grade', fixedWidth: 10 }]))).toEqual([
      ['50', 1],
      ['70', 1],
      ['80', 1],
      ['90', 2],
    ]);
    const ranges = await aggregate(students, [{ type: 'ranges', field: 'grade', ranges: [{ startValue: 0, endValue: 60 }, { startValue: 60, endValue: 90 }, { startValue: 90 }] }], [
      { type: 'count', name: 'n' },
      { type: 'avg', field: 'grade', name: 'avg' },
    ]);
    expect(ranges.data.map((d: any) => [d.group.grade, d.metrics.map((m: any) => m.value)]).sort((a: any, b: any) => (a[0].startValue ?? -1) - (b[0].startValue ?? -1))).toEqual([
      [{ startValue: 0, endValue: 60 }, [1, 55]],
      [{ startValue: 60, endValue: 90 }, [2, 80]],
      [{ startValue: 90 }, [2, 92.5]],
    ]);
  });

  it('ranges over a date', async () => {
    const agg = await aggregate(named, [{ type: 'ranges', field: 'since', ranges: [{ endValue: '2024-01-01' }, { startValue: '2024-01-01', endValue: '2024-04-01' }, { startValue: '2024-04-01' }] }]);
    expect(agg.data.map((d: any) => [d.group.since, d.metrics[0].value]).sort((a: any, b: any) => String(a[0].startValue ?? '').localeCompare(String(b[0].startValue ?? '')))).toEqual([
      [{ endValue: '2024-01-01' }, 1],
      [{ startValue: '2024-01-01', endValue: '2024-04-01' }, 6],
      [{ startValue: '2024-04-01' }, 2],
    ]);
  });

  it('durations over a date: DAYS, WEEKS and MONTHS', async () => {
    expect(byGroup(await aggregate(students, [{ type: 'duration', field: 'enrolled', value: 1, unit: 'DAYS' }]))).toEqual([
      ['"2024-01-15"', 1],
      ['"2024-01-20"', 1],
      ['"2024-02-03"', 1],
      ['"2024-03-30"', 1],
      ['"2024-04-01"', 1],
      ['"2024-07-14"', 1],
    ]);
    // Seven-day buckets counted from 1970-01-01 (a Thursday).
    expect(byGroup(await aggregate(students, [{ type: 'duration', field: 'enrolled', value: 7, unit: 'DAYS' }]))).toEqual([
      ['"2024-01-11"', 1],
      ['"2024-01-18"', 1],
      ['"2024-02-01"', 1],
      ['"2024-03-28"', 2],
      ['"2024-07-11"', 1],
    ]);
    // Weeks start on Mondays.
    expect(byGroup(await aggregate(students, [{ type: 'duration', field: 'enrolled', value: 1, unit: 'WEEKS' }]))).toEqual([
      ['"2024-01-15"', 2],
      ['"2024-01-29"', 1],
      ['"2024-03-25"', 1],
      ['"2024-04-01"', 1],
      ['"2024-07-08"', 1],
    ]);
    expect(byGroup(await aggregate(students, [{ type: 'duration', field: 'enrolled', value: 1, unit: 'MONTHS' }]))).toEqual([
      ['"2024-01-01"', 2],
      ['"2024-02-01"', 1],
      ['"2024-03-01"', 1],
      ['"2024-04-01"', 1],
      ['"2024-07-01"', 1],
    ]);
    expect(byGroup(await aggregate(students, [{ type: 'duration', field: 'enrolled', value: 3, unit: 'MONTHS' }]))).toEqual([
      ['"2024-01-01"', 4],
      ['"2024-04-01"', 1],
      ['"2024-07-01"', 1],
    ]);
    expect(byGroup(await aggregate(named, [{ type: 'duration', field: 'since', value: 1, unit: 'YEARS' }]))).toEqual([
      ['"2023-01-01"', 1],
      ['"2024-01-01"', 8],
    ]);
    expectEnvelope(await http.post(`${base()}/objectSets/aggregate`, { objectSet: students, groupBy: [{ type: 'duration', field: 'enrolled', value: 1, unit: 'HOURS' }], aggregation: [{ type: 'count' }] }), 400, 'InvalidDurationGroupByValue');
  });

  it('min and max of dates, per group and overall', async () => {
    const overall = await aggregate(students, [], [
      { type: 'min', field: 'enrolled', name: 'first' },
      { type: 'max', field: 'enrolled', name: 'last' },
      { type: 'max', field: 'name', name: 'lastName' },
    ]);
    expect(overall.data).toEqual([{ group: {}, metrics: [{ name: 'first', value: '2024-01-15' }, { name: 'last', value: '2024-07-14' }, { name: 'lastName', value: 'Finn' }] }]);
    const perCity = await aggregate(students, [{ type: 'exact', field: 'city' }], [
      { type: 'min', field: 'enrolled', name: 'first' },
      { type: 'max', field: 'enrolled', name: 'last' },
    ]);
    expect(byGroup(perCity)).toEqual([
      ['"Berlin"', '2024-03-30', '2024-07-14'],
      ['"London"', '2024-01-15', '2024-02-03'],
      ['"Paris"', '2024-01-20', '2024-04-01'],
    ]);
  });
});
