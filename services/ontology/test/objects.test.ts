import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEnvelope } from '@openfoundry/testkit';
import { csvDataset, ok, startOntologyServer, waitForIndex, type OntologyWorld } from './ontology.fixtures.js';

let w: OntologyWorld;
let employees: { rid: string };
let offices: { rid: string };

const EMPLOYEES = `id,name,office,salary,started,tags,location
1,Ada Lovelace,LON,120000.5,2020-01-15,engineering,"51.5,-0.12"
2,Grace Hopper,NYC,130000,2019-06-01,engineering,"40.7,-74.0"
3,Alan Turing,LON,110000,2021-03-20,research,"51.5,-0.13"
4,Katherine Johnson,NYC,,2018-11-11,research,
`;
const OFFICES = `code,city
LON,London
NYC,New York
`;

const doc = () => ({
  interfaceTypes: [{ apiName: 'Named', properties: { label: { type: 'string' } } }],
  objectTypes: [
    {
      apiName: 'Employee',
      dataset: employees.rid,
      primaryKey: 'employeeId',
      titleProperty: 'fullName',
      properties: {
        employeeId: { column: 'id', type: 'long' },
        fullName: { column: 'name', type: 'string' },
        officeCode: { column: 'office', type: 'string' },
        salary: { type: 'double' },
        started: { type: 'date' },
        tags: { type: 'string' },
        location: { type: 'geopoint' },
      },
      implements: { Named: { label: 'fullName' } },
    },
    { apiName: 'Office', dataset: offices.rid, primaryKey: 'code', titleProperty: 'city', properties: { code: { type: 'string' }, city: { type: 'string' } }, implements: { Named: { label: 'city' } } },
  ],
  linkTypes: [
    { apiName: 'employeeOffice', cardinality: 'MANY_TO_ONE', from: { objectType: 'Employee', linkApiName: 'office' }, to: { objectType: 'Office', linkApiName: 'employees' }, foreignKey: 'officeCode' },
  ],
});

beforeAll(async () => {
  w = await startOntologyServer();
  employees = await csvDataset(w.org.admin.http, w.projectRid, 'employees', EMPLOYEES);
  offices = await csvDataset(w.org.admin.http, w.projectRid, 'offices', OFFICES);
});
afterAll(async () => {
  await w?.ts.close();
});

describe('ontology apply, indexing and reads', () => {
  it('plans, applies idempotently and indexes objects', async () => {
    const http = w.org.admin.http;
    const plan = ok(await http.post(`/api/v2/ontologies/${w.ontologyRid}/apply?dryRun=true`, doc()), 'dry run');
    expect(plan.changes.map((c: any) => `${c.kind}:${c.apiName}:${c.action}`)).toEqual(['interfaceType:Named:create', 'objectType:Employee:create', 'objectType:Office:create', 'linkType:employeeOffice:create']);
    ok(await http.post(`/api/v2/ontologies/${w.ontologyRid}/apply`, doc()), 'apply');
    const again = ok(await http.post(`/api/v2/ontologies/${w.ontologyRid}/apply`, doc()), 'apply again');
    expect(again.changes.filter((c: any) => c.action !== 'unchanged')).toEqual([]);
    const s = await waitForIndex(http, w.ontologyRid, 'Employee', employees.rid);
    expect(s).toMatchObject({ status: 'READY', objectCount: 4, invalidCount: 0, lastMode: 'FULL' });
    await waitForIndex(http, w.ontologyRid, 'Office', offices.rid);
  });

  it('lists, gets, filters, sorts, pages and aggregates in the store', async () => {
    const http = w.org.admin.http;
    const one = ok(await http.get(`/api/v2/ontologies/${w.ontologyRid}/objects/Employee/2`), 'get');
    expect(one).toMatchObject({ __apiName: 'Employee', __primaryKey: '2', __title: 'Grace Hopper', employeeId: '2', fullName: 'Grace Hopper', salary: 130000, started: '2019-06-01', location: { type: 'Point', coordinates: [-74, 40.7] } });
    expect(one.__rid).toMatch(/^ri\.phonograph2-objects\.main\.object\./);
    const page1 = ok(await http.post(`/api/v2/ontologies/${w.ontologyRid}/objectSets/loadObjects`, { objectSet: { type: 'base', objectType: 'Employee' }, orderBy: { fields: [{ field: 'salary', direction: 'desc' }] }, pageSize: 2, select: [] }), 'page 1');
    expect(page1.data.map((o: any) => o.fullName)).toEqual(['Grace Hopper', 'Ada Lovelace']);
    expect(page1.totalCount).toBe('4');
    const page2 = ok(await http.post(`/api/v2/ontologies/${w.ontologyRid}/objectSets/loadObjects`, { objectSet: { type: 'base', objectType: 'Employee' }, orderBy: { fields: [{ field: 'salary', direction: 'desc' }] }, pageSize: 2, pageToken: page1.nextPageToken }), 'page 2');
    expect(page2.data.map((o: any) => o.fullName)).toEqual(['Alan Turing', 'Katherine Johnson']);
    expect(page2.nextPageToken).toBeUndefined();

    const filtered = ok(
      await http.post(`/api/v2/ontologies/${w.ontologyRid}/objects/Employee/search`, {
        where: { type: 'and', value: [{ type: 'eq', field: 'officeCode', value: 'LON' }, { type: 'containsAnyTerm', field: 'fullName', value: 'ada grace' }] },
      }),
      'search',
    );
    expect(filtered.data.map((o: any) => o.fullName)).toEqual(['Ada Lovelace']);

    const near = ok(
      await http.post(`/api/v2/ontologies/${w.ontologyRid}/objectSets/loadObjects`, {
        objectSet: { type: 'filter', objectSet: { type: 'base', objectType: 'Employee' }, where: { type: 'withinDistanceOf', field: 'location', value: { center: { type: 'Point', coordinates: [-0.12, 51.5] }, distance: { value: 5, unit: 'KILOMETERS' } } } },
      }),
      'geo',
    );
    expect(near.data.map((o: any) => o.fullName).sort()).toEqual(['Ada Lovelace', 'Alan Turing']);

    const agg = ok(
      await http.post(`/api/v2/ontologies/${w.ontologyRid}/objectSets/aggregate`, {
        objectSet: { type: 'base', objectType: 'Employee' },
        groupBy: [{ type: 'exact', field: 'officeCode' }],
        aggregation: [{ type: 'count', name: 'count' }, { type: 'avg', field: 'salary', name: 'salary.avg' }],
      }),
      'aggregate',
    );
    const byOffice = Object.fromEntries(agg.data.map((d: any) => [d.group.officeCode, d.metrics]));
    expect(byOffice.LON).toEqual([{ name: 'count', value: 2 }, { name: 'salary.avg', value: 115000.25 }]);
    expect(byOffice.NYC[0]).toEqual({ name: 'count', value: 2 });
  });

  it('pages through every order in the store: sorted keys with values first (either direction), then nulls, ties by primary key', async () => {
    const http = w.org.admin.http;
    const rows = [
      { id: 1, name: 'Ada Lovelace', office: 'LON', salary: 120000.5, started: '2020-01-15' },
      { id: 2, name: 'Grace Hopper', office: 'NYC', salary: 130000, started: '2019-06-01' },
      { id: 3, name: 'Alan Turing', office: 'LON', salary: 110000, started: '2021-03-20' },
      { id: 4, name: 'Katherine Johnson', office: 'NYC', salary: null, started: '2018-11-11' },
    ];
    const field = { officeCode: 'office', salary: 'salary', started: 'started' } as const;
    const orders: Array<Array<{ field: keyof typeof field; direction: 'asc' | 'desc' }>> = [
      [{ field: 'salary', direction: 'desc' }],
      [{ field: 'salary', direction: 'asc' }],
      [{ field: 'officeCode', direction: 'desc' }, { field: 'salary', direction: 'desc' }],
      [{ field: 'officeCode', direction: 'asc' }, { field: 'salary', direction: 'asc' }],
      [{ field: 'officeCode', direction: 'desc' }],
      [{ field: 'started', direction: 'desc' }],
    ];
    for (const fields of orders) {
      const expected = [...rows]
        .sort((a, b) => {
          for (const f of fields) {
            const x = a[field[f.field]];
            const y = b[field[f.field]];
            if (x === y) continue;
            if (x === null) return 1;
            if (y === null) return -1;
            return (x < y ? -1 : 1) * (f.direction === 'asc' ? 1 : -1);
          }
          return a.id - b.id;
        })
        .map((r) => r.name);
      for (const pageSize of [1, 2, 3, 10]) {
        const names: string[] = [];
        let pageToken: string | undefined;
        for (let i = 0; i < 10; i++) {
          const page = ok(await http.post(`/api/v2/ontologies/${w.ontologyRid}/objectSets/loadObjects`, { objectSet: { type: 'base', objectType: 'Employee' }, orderBy: { fields }, pageSize, ...(pageToken ? { pageToken } : {}) }), 'page');
          expect(page.totalCount).toBe('4');
          names.push(...page.data.map((o: any) => o.fullName));
          pageToken = page.nextPageToken;
          if (!pageToken) break;
        }
        expect(names, `${JSON.stringify(fields)}, pages of ${pageSize}`).toEqual(expected);
      }
    }
  });

  it('follows links both ways', async () => {
    const http = w.org.admin.http;
    const office = ok(await http.get(`/api/v2/ontologies/${w.ontologyRid}/objects/Employee/1/links/office`), 'office');
    expect(office.data.map((o: any) => o.city)).toEqual(['London']);
    const staff = ok(await http.get(`/api/v2/ontologies/${w.ontologyRid}/objects/Office/NYC/links/employees?orderBy=properties.fullName:asc`), 'employees');
    expect(staff.data.map((o: any) => o.fullName)).toEqual(['Grace Hopper', 'Katherine Johnson']);
  });

  it('answers bad input with Foundry errors and nothing of another organization', async () => {
    const http = w.org.admin.http;
    expectEnvelope(await http.get(`/api/v2/ontologies/${w.ontologyRid}/objects/Nope`), 404, 'ObjectTypeNotFound');
    expectEnvelope(await http.post(`/api/v2/ontologies/${w.ontologyRid}/objects/Employee/search`, { where: { type: 'eq', field: 'nope', value: 1 } }), 404, 'PropertiesNotFound');
    expectEnvelope(await http.post(`/api/v2/ontologies/${w.ontologyRid}/objects/Employee/search`, { where: { type: 'gt', field: 'salary', value: 'lots' } }), 400, 'InvalidPropertyFilterValue');
    expectEnvelope(await http.post(`/api/v2/ontologies/${w.ontologyRid}/objectSets/loadObjects`, { objectSet: { type: 'base', objectType: 'Employee' }, pageToken: 'garbage' }), 400, 'InvalidPageToken');
    expectEnvelope(await http.post(`/api/v2/ontologies/${w.ontologyRid}/objectSets/loadObjects`, { objectSet: { type: 'base', objectType: 'Employee' }, pageSize: 100_000 }), 400, 'InvalidPageSize');
    expectEnvelope(await http.post(`/api/v2/ontologies/${w.ontologyRid}/objectSets/loadObjects`, { objectSet: { type: 'searchAround', objectSet: { type: 'base', objectType: 'Employee' }, link: 'nope' } }), 404, 'LinkTypeNotFound');
    let deep: unknown = { type: 'base', objectType: 'Employee' };
    for (let i = 0; i < 30; i++) deep = { type: 'filter', objectSet: deep, where: { type: 'isNull', field: 'salary', value: false } };
    expectEnvelope(await http.post(`/api/v2/ontologies/${w.ontologyRid}/objectSets/loadObjects`, { objectSet: deep }), 400, 'UnsupportedObjectSet');
    const bad = await http.post(`/api/v2/ontologies/${w.ontologyRid}/apply`, { objectTypes: [{ ...doc().objectTypes[1], properties: { code: { type: 'string' }, city: { column: 'town', type: 'integer' } } }] });
    expectEnvelope(bad, 400, 'InvalidOntologyDefinition');
    expect(JSON.stringify(bad.body.parameters.problems)).toContain('the dataset has no column `town`');

    const other = await w.ts.createOrg();
    expectEnvelope(await other.admin.http.get(`/api/v2/ontologies/${w.ontologyRid}`), 404, 'OntologyNotFound');
    expectEnvelope(await other.admin.http.get(`/api/v2/ontologies/${w.ontologyRid}/objects/Employee/1`), 404, 'OntologyNotFound');
    expect(ok(await other.admin.http.get('/api/v2/ontologies'), 'list').data).toEqual([]);
  });
});
