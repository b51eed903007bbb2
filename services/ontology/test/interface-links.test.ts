import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type InterfaceDefinition } from '@osdk/client';
import { expectEnvelope, type HttpClient } from '@openfoundry/testkit';
import { csvDataset, ok, startOntologyServer, waitForIndexed, type OntologyWorld } from './ontology.fixtures.js';

/**
 * Interface links: an interface declares links (to an object type, or to any type implementing an
 * interface), each implementing object type names the links of its own that implement them, and
 * `interfaceLinkSearchAround` follows them from an interface object set — in metadata, as code,
 * through the REST API and through Palantir's client.
 */
let w: OntologyWorld;
let http: HttpClient;
const ds: Record<string, { rid: string }> = {};

const base = () => `/api/v2/ontologies/${w.ontologyRid}`;
const Asset = { type: 'interface', apiName: 'Asset' } as const satisfies InterfaceDefinition;
const assets = { type: 'interfaceBase', interfaceType: 'Asset' };
const where = (objectSet: unknown, w: unknown) => ({ type: 'filter', objectSet, where: w });
const around = (objectSet: unknown, interfaceLink: string) => ({ type: 'interfaceLinkSearchAround', objectSet, interfaceLink });
const loadMany = async (objectSet: unknown) => ok(await http.post(`${base()}/objectSets/loadObjectsMultipleObjectTypes`, { objectSet, pageSize: 1000 }), 'loadObjectsMultipleObjectTypes');
const keysOf = (page: { data: Array<Record<string, any>> }) => page.data.map((o) => `${o.$apiName ?? o.__apiName}:${o.$primaryKey ?? o.__primaryKey}`).sort();

const interfaceTypes = () => [
  {
    apiName: 'Asset',
    properties: { label: { type: 'string' } },
    links: {
      site: { cardinality: 'ONE', linkedObjectType: 'Site', required: true, description: 'Where it is' },
      parts: { cardinality: 'MANY', linkedInterface: 'Asset' },
    },
  },
];
const laptop = (over: Record<string, unknown> = {}) => ({
  apiName: 'Laptop',
  dataset: ds.laptops!.rid,
  primaryKey: 'laptopId',
  titleProperty: 'model',
  properties: { laptopId: { column: 'id', type: 'long' }, model: { type: 'string' }, siteCode: { column: 'site', type: 'string' } },
  implements: { Asset: { label: 'model' } },
  interfaceLinks: { Asset: { site: 'site', parts: ['peripherals'] } },
  ...over,
});
const printer = (over: Record<string, unknown> = {}) => ({
  apiName: 'Printer',
  dataset: ds.printers!.rid,
  primaryKey: 'printerId',
  titleProperty: 'name',
  properties: { printerId: { column: 'id', type: 'string' }, name: { type: 'string' }, siteCode: { column: 'site', type: 'string' }, hostId: { column: 'host', type: 'long' } },
  implements: { Asset: { label: 'name' } },
  interfaceLinks: { Asset: { site: 'site' } },
  ...over,
});
const site = () => ({ apiName: 'Site', dataset: ds.sites!.rid, primaryKey: 'code', titleProperty: 'city', properties: { code: { type: 'string' }, city: { type: 'string' } } });
const linkTypes = () => [
  { apiName: 'laptopSite', cardinality: 'MANY_TO_ONE', from: { objectType: 'Laptop', linkApiName: 'site' }, to: { objectType: 'Site', linkApiName: 'laptops' }, foreignKey: 'siteCode' },
  { apiName: 'printerSite', cardinality: 'MANY_TO_ONE', from: { objectType: 'Printer', linkApiName: 'site' }, to: { objectType: 'Site', linkApiName: 'printers' }, foreignKey: 'siteCode' },
  { apiName: 'printerHost', cardinality: 'MANY_TO_ONE', from: { objectType: 'Printer', linkApiName: 'host' }, to: { objectType: 'Laptop', linkApiName: 'peripherals' }, foreignKey: 'hostId' },
];
const doc = () => ({ interfaceTypes: interfaceTypes(), objectTypes: [site(), laptop(), printer()], linkTypes: linkTypes() });

async function problems(body: unknown): Promise<Array<{ path: string; problem: string }>> {
  return expectEnvelope(await http.post(`${base()}/apply`, body), 400, 'InvalidOntologyDefinition').parameters.problems as Array<{ path: string; problem: string }>;
}

beforeAll(async () => {
  w = await startOntologyServer();
  http = w.org.admin.http;
  ds.sites = await csvDataset(http, w.projectRid, 'sites', 'code,city\nLON,London\nPAR,Paris\nBER,Berlin\n');
  ds.laptops = await csvDataset(http, w.projectRid, 'laptops', 'id,model,site\n1,Latitude,LON\n2,ThinkPad,PAR\n3,Lemur,\n');
  ds.printers = await csvDataset(http, w.projectRid, 'printers', 'id,name,site,host\nP1,LaserJet,LON,1\nP2,Inkjet,BER,1\nP3,Plotter,PAR,2\nP4,Label,BER,\n');
  ok(await http.post(`${base()}/apply`, doc()), 'apply');
  for (const [type, d] of [
    ['Site', ds.sites],
    ['Laptop', ds.laptops],
    ['Printer', ds.printers],
  ] as const)
    await waitForIndexed(http, w.ontologyRid, type, d.rid);
});
afterAll(async () => {
  await w?.ts.close();
});

describe('interface links in metadata and as code', () => {
  it('the interface lists its links; each implementing type names the links implementing them', async () => {
    const asset = ok(await http.get(`${base()}/interfaceTypes/Asset`), 'interface');
    expect(asset.links).toEqual({
      site: { rid: expect.stringMatching(/^ri\.ontology\.main\.interface-link\./), apiName: 'site', displayName: 'site', description: 'Where it is', linkedEntityApiName: { type: 'objectTypeApiName', apiName: 'Site' }, cardinality: 'ONE', required: true },
      parts: { rid: expect.any(String), apiName: 'parts', displayName: 'parts', linkedEntityApiName: { type: 'interfaceTypeApiName', apiName: 'Asset' }, cardinality: 'MANY', required: false },
    });
    expect(asset.allLinks).toEqual(asset.links);
    const laptopMeta = ok(await http.get(`${base()}/objectTypes/Laptop/fullMetadata`), 'fullMetadata');
    expect(laptopMeta.implementsInterfaces2.Asset.links).toEqual({ site: ['site'], parts: ['peripherals'] });
    const full = ok(await http.get(`${base()}/fullMetadata`), 'ontology fullMetadata');
    expect(full.interfaceTypes.Asset.links.site.linkedEntityApiName).toEqual({ type: 'objectTypeApiName', apiName: 'Site' });
  });

  it('the definition round-trips: applied back, nothing changes, and the link RIDs stay', async () => {
    const before = ok(await http.get(`${base()}/interfaceTypes/Asset`), 'interface');
    const definition = ok(await http.get(`${base()}/definition`), 'definition');
    expect(definition.interfaceTypes[0].links.site).toEqual({ displayName: 'site', description: 'Where it is', cardinality: 'ONE', required: true, linkedObjectType: 'Site' });
    expect(definition.objectTypes.find((t: any) => t.apiName === 'Laptop').interfaceLinks).toEqual({ Asset: { site: ['site'], parts: ['peripherals'] } });
    const plan = ok(await http.post(`${base()}/apply`, definition), 'apply the definition');
    expect(plan.changes.every((c: any) => c.action === 'unchanged')).toBe(true);
    expect(ok(await http.get(`${base()}/interfaceTypes/Asset`), 'interface').links.site.rid).toBe(before.links.site.rid);
  });

  it('a link that is removed from the interface is a breaking change', async () => {
    const without = interfaceTypes();
    delete (without[0]!.links as Record<string, unknown>).parts;
    const refused = expectEnvelope(await http.post(`${base()}/apply`, { interfaceTypes: without, objectTypes: [laptop({ interfaceLinks: { Asset: { site: 'site' } } })] }), 409, 'BreakingOntologyChanges');
    expect(refused.parameters.changes).toContainEqual({ kind: 'interfaceType', apiName: 'Asset', breaking: ['interface link parts is removed'] });
  });

  it('every way an implementation can be wrong is named, and nothing changes', async () => {
    const before = ok(await http.get(`${base()}/definition`), 'definition');
    const withLinks = (links: Record<string, unknown>) => [{ ...interfaceTypes()[0]!, links }];
    expect(await problems({ objectTypes: [printer({ interfaceLinks: {} })] })).toEqual([{ path: 'objectTypes[0].interfaceLinks', problem: 'no link implements Asset.site, which is required' }]);
    expect(
      await problems({
        objectTypes: [
          printer({ interfaceLinks: { Asset: { site: 'host' } } }),
          laptop({ interfaceLinks: { Asset: { site: ['site', 'peripherals'], parts: 'nowhere', wheels: 'site' }, Named: { x: 'site' } } }),
        ],
      }),
    ).toEqual([
      { path: 'objectTypes[1].interfaceLinks.Asset.site', problem: 'Asset.site leads to one object: name one link' },
      { path: 'objectTypes[1].interfaceLinks.Asset.site', problem: 'peripherals leads to Printer, but Asset.site to Site' },
      { path: 'objectTypes[1].interfaceLinks.Asset.parts', problem: 'Laptop has no link nowhere' },
      { path: 'objectTypes[1].interfaceLinks.Asset.wheels', problem: 'interface Asset has no link wheels' },
      { path: 'objectTypes[1].interfaceLinks.Named', problem: 'Laptop does not implement Named' },
      { path: 'objectTypes[0].interfaceLinks.Asset.site', problem: 'host leads to Laptop, but Asset.site to Site' },
    ]);
    // A ONE link implemented by a link that leads to many objects; a linked interface the target does not implement.
    expect(
      await problems({ interfaceTypes: withLinks({ site: { cardinality: 'ONE', linkedObjectType: 'Site' }, parts: { cardinality: 'ONE', linkedInterface: 'Asset' } }), objectTypes: [laptop()] }),
    ).toEqual([{ path: 'objectTypes[0].interfaceLinks.Asset.parts', problem: 'Asset.parts leads to one object, but peripherals can lead to many' }]);
    expect(
      await problems({
        interfaceTypes: [...withLinks({ site: { cardinality: 'ONE', linkedObjectType: 'Site' }, parts: { cardinality: 'MANY', linkedInterface: 'Gadget' } }), { apiName: 'Gadget', properties: {} }],
        objectTypes: [laptop()],
      }),
    ).toEqual([{ path: 'objectTypes[0].interfaceLinks.Asset.parts', problem: 'peripherals leads to Printer, which does not implement Gadget' }]);
    // What an interface link leads to: exactly one thing, which exists.
    expect(
      await problems({
        interfaceTypes: withLinks({
          site: { cardinality: 'ONE', linkedObjectType: 'Site' },
          parts: { cardinality: 'MANY', linkedInterface: 'Asset', linkedObjectType: 'Site' },
          owner: { cardinality: 'ONE' },
          room: { cardinality: 'ONE', linkedObjectType: 'Room' },
          kit: { cardinality: 'MANY', linkedInterface: 'Kit' },
        }),
      }),
    ).toEqual([
      { path: 'interfaceTypes[0].links.parts', problem: 'an interface link leads to either a linkedInterface or a linkedObjectType' },
      { path: 'interfaceTypes[0].links.owner', problem: 'an interface link leads to either a linkedInterface or a linkedObjectType' },
      { path: 'interfaceTypes[0].links.room.linkedObjectType', problem: 'there is no object type Room' },
      { path: 'interfaceTypes[0].links.kit.linkedInterface', problem: 'there is no interface Kit' },
    ]);
    expect(ok(await http.get(`${base()}/definition`), 'definition')).toEqual(before);
  });

  it('a link type an implementation names cannot be pruned away', async () => {
    const before = ok(await http.get(`${base()}/definition`), 'definition');
    const pruned = expectEnvelope(await http.post(`${base()}/apply?prune=true&allowBreakingChanges=true`, { ...doc(), linkTypes: linkTypes().slice(0, 2) }), 400, 'InvalidOntologyDefinition');
    expect(pruned.parameters.problems).toEqual([{ path: 'objectTypes[1].interfaceLinks.Asset.parts', problem: 'Laptop has no link peripherals' }]);
    expect(ok(await http.get(`${base()}/definition`), 'definition')).toEqual(before);
  });
});

describe('interfaceLinkSearchAround', () => {
  it('follows each type’s links to the linked object type', async () => {
    // Assets whose label starts with L: the laptops Latitude and Lemur (no site) and the printers LaserJet and Label.
    const startsWithL = where(assets, { type: 'startsWith', field: 'label', value: 'L' });
    const sites = ok(await http.post(`${base()}/objectSets/loadObjects`, { objectSet: around(startsWithL, 'site'), pageSize: 100, orderBy: { fields: [{ field: 'code' }] } }), 'loadObjects');
    expect(sites.data.map((o: any) => o.__primaryKey)).toEqual(['BER', 'LON']);
    expect(sites.totalCount).toBe('2');
    const count = ok(await http.post(`${base()}/objectSets/aggregate`, { objectSet: around(assets, 'site'), groupBy: [], aggregation: [{ type: 'count', name: 'n' }] }), 'aggregate');
    expect(count.data[0].metrics[0].value).toBe(3);
  });

  it('follows links to an interface, as that interface, and composes with other sets', async () => {
    const ofLatitude = around(where(assets, { type: 'eq', field: 'label', value: 'Latitude' }), 'parts');
    const parts = await loadMany(ofLatitude);
    expect(keysOf(parts)).toEqual(['Printer:P1', 'Printer:P2']);
    expect(parts.interfaceToObjectTypeMappings).toEqual({ Asset: { Printer: { label: 'name' } } });
    // Printers implement no `parts`: around every asset, only the laptops' peripherals.
    expect(keysOf(await loadMany(around(assets, 'parts')))).toEqual(['Printer:P1', 'Printer:P2', 'Printer:P3']);
    // The linked interface's properties filter the result; a set of the result is a set like any other.
    expect(keysOf(await loadMany(where(around(assets, 'parts'), { type: 'eq', field: 'label', value: 'Plotter' })))).toEqual(['Printer:P3']);
    expect(keysOf(await loadMany(around(around(ofLatitude, 'parts'), 'parts')))).toEqual([]);
  });

  it('refuses an interface link that does not exist, a set that is not of an interface, and another organization', async () => {
    const missing = expectEnvelope(await http.post(`${base()}/objectSets/loadObjectsMultipleObjectTypes`, { objectSet: around(assets, 'wheels') }), 404, 'InterfaceLinkTypeNotFound');
    expect(missing.parameters).toMatchObject({ interfaceTypeApiName: 'Asset', interfaceLinkTypeApiName: 'wheels' });
    expectEnvelope(await http.post(`${base()}/objectSets/loadObjectsMultipleObjectTypes`, { objectSet: around({ type: 'base', objectType: 'Laptop' }, 'site') }), 400, 'UnsupportedObjectSet');
    expectEnvelope(await http.post(`${base()}/objectSets/loadObjectsMultipleObjectTypes`, { objectSet: { type: 'interfaceLinkSearchAround', objectSet: assets } }), 400, 'UnsupportedObjectSet');
    const other = await w.ts.createOrg();
    const foreign = await other.admin.http.post(`${base()}/objectSets/loadObjectsMultipleObjectTypes`, { objectSet: around(assets, 'site') });
    expectEnvelope(foreign, 404, 'OntologyNotFound');
    expect(foreign.text).not.toContain('Site');
  });

  it('is what Palantir’s client sends for pivotTo on an interface', async () => {
    const client = createClient(w.ts.url, w.ontologyRid, () => Promise.resolve(w.org.admin.token));
    // `pivotTo` is typed from generated interface definitions, which these minimal ones are not.
    const latitude = client(Asset).where({ label: 'Latitude' } as never) as unknown as { pivotTo(link: string): { fetchPage(): Promise<{ data: unknown[] }> } };
    const page = await latitude.pivotTo('parts').fetchPage();
    expect(page.data.map((o: any) => `${o.$objectType}:${o.$primaryKey}`).sort()).toEqual(['Printer:P1', 'Printer:P2']);
    expect(page.data.map((o: any) => o.label).sort()).toEqual(['Inkjet', 'LaserJet']);
  });
});
