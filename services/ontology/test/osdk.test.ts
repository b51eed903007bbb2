import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type Client, type InterfaceDefinition, type ObjectTypeDefinition } from '@osdk/client';
import { csvDataset, ok, startOntologyServer, waitForIndex, type OntologyWorld } from './ontology.fixtures.js';

/** Palantir's published client, unchanged, against our server: the contract nobody here wrote. */
const Employee = { type: 'object', apiName: 'Employee' } as const satisfies ObjectTypeDefinition;
const Office = { type: 'object', apiName: 'Office' } as const satisfies ObjectTypeDefinition;
const Named = { type: 'interface', apiName: 'Named' } as const satisfies InterfaceDefinition;

let w: OntologyWorld;
let client: Client;

beforeAll(async () => {
  w = await startOntologyServer();
  const http = w.org.admin.http;
  const rows = Array.from({ length: 25 }, (_, i) => `${i + 1},Person ${String(i + 1).padStart(2, '0')},${i % 2 ? 'LON' : 'NYC'},${1000 * (i + 1)}`);
  const employees = await csvDataset(http, w.projectRid, 'employees', `id,name,office,salary\n${rows.join('\n')}\n`);
  const offices = await csvDataset(http, w.projectRid, 'offices', 'code,city\nLON,London\nNYC,New York\n');
  ok(
    await http.post(`/api/v2/ontologies/${w.ontologyRid}/apply`, {
      interfaceTypes: [{ apiName: 'Named', properties: { label: { type: 'string' } } }],
      objectTypes: [
        {
          apiName: 'Employee',
          dataset: employees.rid,
          primaryKey: 'employeeId',
          titleProperty: 'fullName',
          properties: { employeeId: { column: 'id', type: 'long' }, fullName: { column: 'name', type: 'string' }, officeCode: { column: 'office', type: 'string' }, salary: { type: 'long' } },
          implements: { Named: { label: 'fullName' } },
        },
        { apiName: 'Office', dataset: offices.rid, primaryKey: 'code', titleProperty: 'city', properties: { code: { type: 'string' }, city: { type: 'string' } }, implements: { Named: { label: 'city' } } },
      ],
      linkTypes: [{ apiName: 'employeeOffice', cardinality: 'MANY_TO_ONE', from: { objectType: 'Employee', linkApiName: 'office' }, to: { objectType: 'Office', linkApiName: 'employees' }, foreignKey: 'officeCode' }],
    }),
    'apply',
  );
  await waitForIndex(http, w.ontologyRid, 'Employee', employees.rid);
  await waitForIndex(http, w.ontologyRid, 'Office', offices.rid);
  client = createClient(w.ts.url, w.ontologyRid, () => Promise.resolve(w.org.admin.token));
});
afterAll(async () => {
  await w?.ts.close();
});

describe('@osdk/client', () => {
  it('fetches pages with where and orderBy, one object, and every object by async iteration', async () => {
    const page = await client(Employee).where({ officeCode: 'LON' } as any).fetchPage({ $pageSize: 5, $orderBy: { salary: 'desc' } as any });
    expect(page.data.map((o: any) => o.fullName)).toEqual(['Person 24', 'Person 22', 'Person 20', 'Person 18', 'Person 16']);
    expect(page.data[0]).toMatchObject({ $apiName: 'Employee', $primaryKey: '24', $title: 'Person 24' });
    const next = await client(Employee).where({ officeCode: 'LON' } as any).fetchPage({ $pageSize: 5, $orderBy: { salary: 'desc' } as any, $nextPageToken: page.nextPageToken });
    expect(next.data.map((o: any) => o.$primaryKey)).toEqual(['14', '12', '10', '8', '6']);
    const one: any = await client(Employee).fetchOne(7 as never);
    expect(one).toMatchObject({ $primaryKey: '7', fullName: 'Person 07', salary: '7000' });
    const seen: number[] = [];
    for await (const o of client(Employee).asyncIter()) seen.push(Number((o as any).$primaryKey));
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    const range = await client(Employee).where({ $and: [{ salary: { $gte: 3000 } }, { salary: { $lt: 6000 } }, { $not: { fullName: { $startsWith: 'Person 04' } } }] } as any).fetchPage();
    expect(range.data.map((o: any) => o.$primaryKey).sort()).toEqual(['3', '5']);
  });

  it('aggregates with and without groups', async () => {
    const total: any = await client(Employee).aggregate({ $select: { $count: 'unordered', 'salary:sum': 'unordered', 'salary:max': 'unordered' } } as any);
    expect(total).toMatchObject({ $count: 25, salary: { sum: 325000, max: 25000 } });
    const grouped: any = await client(Employee).aggregate({ $select: { $count: 'unordered', 'salary:avg': 'unordered' }, $groupBy: { officeCode: 'exact' } } as any);
    expect(grouped.map((g: any) => [g.$group.officeCode, g.$count]).sort()).toEqual([
      ['LON', 12],
      ['NYC', 13],
    ]);
    const none: any = await client(Employee).where({ salary: { $gt: 1e9 } } as any).aggregate({ $select: { $count: 'unordered' } } as any);
    expect(none.$count).toBe(0);
  });

  it('pivots over links and reads interfaces', async () => {
    const offices = await client(Employee).where({ employeeId: 2 } as any).pivotTo('office' as never).fetchPage();
    expect(offices.data.map((o: any) => [o.$apiName, o.city])).toEqual([['Office', 'London']]);
    const emp: any = await client(Employee).fetchOne(3 as never);
    const office: any = await emp.$link.office.fetchOne();
    expect(office.city).toBe('New York');
    const staff = await client(Office).where({ code: 'LON' } as any).pivotTo('employees' as never).fetchPage({ $pageSize: 100 });
    expect(staff.data).toHaveLength(12);
    const named = await client(Named).fetchPage({ $pageSize: 100 });
    expect(named.data).toHaveLength(27);
    const labels = named.data.map((o: any) => o.label);
    expect(labels).toContain('London');
    expect(labels).toContain('Person 01');
    expect(new Set(named.data.map((o: any) => o.$objectType))).toEqual(new Set(['Employee', 'Office']));
  });
});
