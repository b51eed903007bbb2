import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { HttpClient } from '@openfoundry/testkit';
import { OUT_DIR, openPage, step } from './support/browser.js';
import { submitSignIn, useJourney } from './support/journey.js';

const AIRCRAFT_SCHEMA = {
  fieldSchemaList: [
    { name: 'tail', type: 'STRING', nullable: true },
    { name: 'model', type: 'STRING', nullable: true },
    { name: 'seats', type: 'INTEGER', nullable: true },
    { name: 'base', type: 'STRING', nullable: true },
    { name: 'notes', type: 'STRING', nullable: true },
    { name: 'in_service', type: 'DATE', nullable: true },
  ],
};
const AIRCRAFT_CSV = `tail,model,seats,base,notes,in_service
N101,Boeing 737,160,LON,short haul,2015-03-01
N102,Boeing 737,170,LON,,2016-07-12
N103,Boeing 787,250,NYC,long haul,2019-01-20
N104,Airbus A320,150,NYC,,2018-05-05
`;
// N101 again (a primary key clash: both rows become invalid) and a new aircraft.
const AIRCRAFT_APPEND = `tail,model,seats,base,notes,in_service
N101,Airbus A350,320,NYC,duplicate,2021-02-02
N105,Airbus A350,300,LON,,2022-09-09
`;
const AIRCRAFT_LATER = `tail,model,seats,base,notes,in_service
N106,Boeing 777,350,NYC,,2023-04-04
`;
const AIRPORTS_CSV = `code,name,city
LON,Heathrow,London
NYC,John F. Kennedy,New York
`;

/** With E2E_SNAPSHOTS=1, a full-page screenshot in e2e/out of a passing step, to review the layout. */
async function snapshot(page: Page, name: string) {
  if (!process.env.E2E_SNAPSHOTS) return;
  mkdirSync(OUT_DIR, { recursive: true });
  await page.screenshot({ path: join(OUT_DIR, `ontology-${name}.png`), fullPage: true });
}

async function importCsv(http: HttpClient, datasetRid: string, csv: string, transactionType: 'SNAPSHOT' | 'APPEND', schema?: unknown) {
  const q = new URLSearchParams({ format: 'csv', transactionType, ...(schema ? { schema: JSON.stringify(schema) } : {}) });
  const res = await http.post(`/api/v2/datasets/${datasetRid}/import?${q}`, undefined, { raw: Buffer.from(csv), headers: { 'content-type': 'application/octet-stream' } });
  if (res.status !== 200) throw new Error(`import failed: ${res.status} ${res.text}`);
}

async function dataset(http: HttpClient, parentFolderRid: string, name: string, csv: string, schema?: unknown): Promise<string> {
  const res = await http.post<{ rid: string }>('/api/v2/datasets', { parentFolderRid, name });
  if (res.status !== 200) throw new Error(`create dataset failed: ${res.status} ${res.text}`);
  await importCsv(http, res.body.rid, csv, 'SNAPSHOT', schema);
  return res.body.rid;
}

/** A new project in the first space. */
async function createProject(http: HttpClient, displayName: string): Promise<string> {
  const spaces = await http.get<{ data: Array<{ rid: string }> }>('/api/v2/filesystem/spaces');
  const res = await http.post<{ rid: string }>('/api/v2/filesystem/projects/create', { displayName, spaceRid: spaces.body.data[0]!.rid });
  if (res.status !== 200) throw new Error(`create project failed: ${res.status} ${res.text}`);
  return res.body.rid;
}

/** A new ontology in the folder, with `document` applied. */
async function createOntology(http: HttpClient, parentFolderRid: string, apiName: string, displayName: string, document: unknown): Promise<void> {
  const created = await http.post('/api/v2/ontologies', { parentFolderRid, apiName, displayName });
  if (created.status !== 200) throw new Error(`create ontology failed: ${created.status} ${created.text}`);
  const applied = await http.post(`/api/v2/ontologies/${apiName}/apply`, document);
  if (applied.status !== 200) throw new Error(`apply failed: ${applied.status} ${applied.text}`);
}

/** Signs in on the sign-in page and waits for the home page. */
async function signIn(page: Page, user: { email: string; password: string }) {
  await page.goto('/login');
  await submitSignIn(page, user);
  await page.getByRole('heading', { name: /^Welcome/ }).waitFor();
}

/** Waits until the object type's index is READY with `count` objects. */
async function waitForObjects(http: HttpClient, ontology: string, objectType: string, count: number) {
  await expect
    .poll(
      async () => {
        const r = await http.get<{ status: string; objectCount: number }>(`/api/v2/ontologies/${ontology}/objectTypes/${objectType}/indexStatus`);
        return `${r.body.status} ${r.body.objectCount}`;
      },
      { timeout: 30_000 },
    )
    .toBe(`READY ${count}`);
}

async function grantRead(http: HttpClient, rid: string, principalId: string) {
  const res = await http.post(`/api/v2/filesystem/resources/${rid}/roles/add`, { roles: [{ resourceRolePrincipal: { type: 'principalIdOnly', principalId }, roleId: 'compass:read' }] });
  if (res.status !== 204) throw new Error(`grant failed: ${res.status} ${res.text}`);
}

/** The object type editor: choose the backing dataset, wait for the proposed properties. */
async function chooseDataset(page: Page, name: string) {
  const editor = page.getByTestId('object-type-editor');
  await editor.getByTestId('dataset-chooser').fill(name);
  await editor.getByRole('menuitem', { name: new RegExp(`^${name}`) }).click();
  await editor.getByTestId('chosen-dataset').filter({ hasText: name }).waitFor();
  await editor.getByTestId('property-row').first().waitFor();
  return editor;
}

/**
 * The ontology through the real web app on the real server: create an ontology, define two
 * object types from datasets (the properties proposed from the columns, a problem shown as you
 * type, the plan before saving), a link type between them, a breaking change confirmed first,
 * invalid rows of a later APPEND shown with their reasons, an edit as code; then explore the
 * objects: keyword search with facets and highlights, a filtered and sorted table with a column
 * chooser, CSV export and a chart, a saved object set that shows current data, an object with its
 * linked objects and its source row.
 */
describe('browser journey: ontology manager and object explorer', () => {
  const journey = useJourney('Ontology Org');

  it('defines object types and links in the manager, then searches, filters, charts, saves and navigates objects', async () => {
    const suffix = randomBytes(3).toString('hex');
    const http = journey.org.admin.http;
    const projectName = `Fleet ${suffix}`;
    const project = await createProject(http, projectName);
    const aircraftName = `aircraft_${suffix}`;
    const airportsName = `airports_${suffix}`;
    const aircraftRid = await dataset(http, project, aircraftName, AIRCRAFT_CSV, AIRCRAFT_SCHEMA);
    await dataset(http, project, airportsName, AIRPORTS_CSV);

    const context = await journey.browser.newContext({ baseURL: journey.ts.url, viewport: { width: 1400, height: 900 }, acceptDownloads: true });
    const { page, problems } = await openPage(context);

    await step(page, 'sign in', () => signIn(page, journey.org.admin));

    await step(page, 'create an ontology in the project', async () => {
      await page.getByRole('link', { name: 'Ontologies' }).click();
      await page.getByTestId('new-ontology').click();
      const dialog = page.getByRole('dialog', { name: 'New ontology' });
      await dialog.getByLabel('Display name').fill('Fleet operations');
      expect(await dialog.getByLabel('API name').inputValue()).toBe('fleetOperations');
      await dialog.getByTestId('folder-picker').getByText(projectName, { exact: true }).click();
      await dialog.getByTestId('folder-picker-location').filter({ hasText: projectName }).waitFor();
      await dialog.getByTestId('create-ontology-submit').click();
      await page.getByTestId('ontology-title').filter({ hasText: 'Fleet operations' }).waitFor();
    });

    await step(page, 'define an object type from a dataset, with a problem shown as you type', async () => {
      await page.getByTestId('new-object-type').click();
      const editor = await chooseDataset(page, aircraftName);
      // Every column was proposed as a property with its natural type; key and title guessed.
      await expect.poll(() => editor.getByTestId('property-row').count()).toBe(6);
      const names = await editor.getByLabel('Property API name').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
      expect(names).toEqual(['tail', 'model', 'seats', 'base', 'notes', 'inService']);
      expect(await editor.locator('#ot-primary-key').inputValue()).toBe('tail');
      expect(await editor.locator('#ot-title').inputValue()).toBe('model');
      await editor.locator('#ot-api-name').fill('Aircraft');
      await editor.locator('#ot-display-name').fill('Aircraft');
      await editor.locator('#ot-plural').fill('Aircraft');
      // A key that is not unique in the data: the server names the problem before anything is saved.
      await editor.locator('#ot-primary-key').selectOption('model');
      await editor.getByTestId('problem').filter({ hasText: "value 'Boeing 737' appears in 2 rows" }).waitFor();
      expect(await page.getByTestId('save-object-type').isDisabled()).toBe(true);
      await snapshot(page, 'editor-problem');
      await editor.locator('#ot-primary-key').selectOption('tail');
      await editor.getByTestId('plan-change').filter({ hasText: 'create' }).filter({ hasText: 'Aircraft' }).waitFor();
      await snapshot(page, 'editor-plan');
      await page.getByTestId('save-object-type').click();
      await editor.waitFor({ state: 'detached' });
      const row = page.getByTestId('object-type-row').filter({ hasText: 'Aircraft' });
      await row.getByTestId('index-status').filter({ hasText: 'READY' }).filter({ hasText: '4 objects' }).waitFor();
    });

    await step(page, 'define a second type and a link between them', async () => {
      await page.getByTestId('new-object-type').click();
      const editor = await chooseDataset(page, airportsName);
      expect(await editor.locator('#ot-primary-key').inputValue()).toBe('code');
      expect(await editor.locator('#ot-title').inputValue()).toBe('name');
      await editor.locator('#ot-api-name').fill('Airport');
      await editor.getByTestId('plan-change').filter({ hasText: 'Airport' }).waitFor();
      await page.getByTestId('save-object-type').click();
      await editor.waitFor({ state: 'detached' });
      await page.getByTestId('object-type-row').filter({ hasText: 'Airport' }).getByTestId('index-status').filter({ hasText: '2 objects' }).waitFor();

      await page.getByTestId('new-link-type').click();
      const dialog = page.getByRole('dialog', { name: 'New link type' });
      await dialog.getByLabel('API name', { exact: true }).fill('aircraftBase');
      await dialog.locator('#link-from-type').selectOption('Aircraft');
      await dialog.locator('#link-from-name').fill('homeBase');
      await dialog.locator('#link-to-type').selectOption('Airport');
      await dialog.locator('#link-to-name').fill('basedAircraft');
      await dialog.locator('#link-foreign-key').selectOption('base');
      await dialog.getByTestId('plan-change').filter({ hasText: 'aircraftBase' }).waitFor();
      await dialog.getByTestId('save-link-type').click();
      await dialog.waitFor({ state: 'detached' });
      await page.getByRole('tab', { name: /^Link types/ }).click();
      await page.getByTestId('link-type-row').filter({ hasText: 'aircraftBase' }).filter({ hasText: 'many to one' }).waitFor();
      await page.getByRole('tab', { name: /^Object types/ }).click();
    });

    await step(page, 'a breaking change is confirmed before it applies', async () => {
      await page.getByTestId('object-type-row').filter({ hasText: 'Aircraft' }).getByRole('button', { name: 'Edit Aircraft' }).click();
      const editor = page.getByTestId('object-type-editor');
      await editor.getByTestId('property-row').first().waitFor();
      await editor.getByRole('button', { name: 'Remove notes' }).click();
      await editor.getByTestId('plan-breaking').filter({ hasText: 'notes' }).waitFor();
      await page.getByTestId('save-object-type').click();
      const alert = page.getByRole('alertdialog');
      await alert.getByTestId('breaking-changes').filter({ hasText: 'notes' }).waitFor();
      await alert.getByRole('button', { name: 'Apply breaking changes' }).click();
      await editor.waitFor({ state: 'detached' });
      await page.getByTestId('object-type-row').filter({ hasText: 'Aircraft' }).filter({ hasText: '5 properties' }).waitFor();
    });

    await step(page, 'an APPEND is indexed; its invalid rows are listed with their reasons', async () => {
      await importCsv(http, aircraftRid, AIRCRAFT_APPEND, 'APPEND', AIRCRAFT_SCHEMA);
      const status = page.getByTestId('object-type-row').filter({ hasText: 'Aircraft' }).getByTestId('index-status');
      // The page polls only while an index is building; a reload reads the new state.
      await expect
        .poll(
          async () => {
            await page.reload();
            return status.innerText();
          },
          { timeout: 30_000, interval: 1000 },
        )
        .toMatch(/READY\s+4 objects\s*2 invalid/);
      await status.click();
      const dialog = page.getByRole('dialog', { name: 'Index of Aircraft' });
      await expect.poll(() => dialog.getByTestId('invalid-row').count()).toBe(2);
      expect(await dialog.getByTestId('invalid-rows').innerText()).toMatch(/N101[\s\S]*primary key/i);
      expect(await dialog.getByTestId('index-details').innerText()).toContain('Incremental');
      await snapshot(page, 'invalid-rows');
      await page.keyboard.press('Escape');
    });

    await step(page, 'edit the ontology as code', async () => {
      await page.getByRole('tab', { name: 'As code' }).click();
      const code = page.getByTestId('code-editor');
      const text = await code.inputValue();
      expect(text).toContain('apiName: Aircraft');
      expect(text).toContain('foreignKey: base');
      await code.fill(text.replace('pluralDisplayName: Airports', 'pluralDisplayName: Airfields'));
      await page.getByTestId('plan-change').filter({ hasText: 'update' }).filter({ hasText: 'Airfields' }).waitFor();
      await snapshot(page, 'as-code');
      await page.getByTestId('apply-code').click();
      await page.getByTestId('plan-empty').waitFor();
      expect(await code.inputValue()).toContain('pluralDisplayName: Airfields');
    });

    await step(page, 'search across object types, with facets and highlights', async () => {
      await page.getByRole('button', { name: 'Explore objects' }).click();
      await page.getByTestId('type-card').filter({ hasText: 'Airfields' }).waitFor();
      await page.getByTestId('object-search').fill('airbus');
      await expect.poll(() => page.getByTestId('hit').count()).toBe(2);
      expect(await page.getByTestId('hit').first().locator('mark').first().innerText()).toBe('Airbus');
      expect(await page.getByTestId('facet').allInnerTexts()).toEqual([expect.stringMatching(/Aircraft\s+2/)]);
      await page.getByTestId('object-search').fill('london');
      await page.getByTestId('hit').filter({ hasText: 'Heathrow' }).waitFor();
      await page.getByTestId('facet').filter({ hasText: 'Airfields' }).click();
      expect(page.url()).toContain('type=Airport');
      await snapshot(page, 'search');
      await page.getByTestId('object-search').fill('');
      await page.getByTestId('type-card').filter({ hasText: 'Aircraft' }).click();
    });

    await step(page, 'filter, sort and choose columns in the table; export it as CSV; chart it', async () => {
      await page.getByTestId('object-type-title').filter({ hasText: 'Aircraft' }).waitFor();
      await expect.poll(() => page.getByTestId('object-row').count()).toBe(4);
      await page.getByTestId('add-filter').click();
      const filter = page.getByTestId('filter-row');
      await filter.getByLabel('Filter property').selectOption('seats');
      await filter.getByLabel('Filter operator').selectOption('gt');
      await filter.getByLabel('Filter value').fill('160');
      await page.getByTestId('object-count').filter({ hasText: '1–3 of 3 objects' }).waitFor();
      await page.getByRole('button', { name: 'Sort by seats' }).click();
      await page.getByRole('button', { name: 'Sort by seats' }).click();
      await expect.poll(() => page.getByTestId('object-row').first().innerText()).toMatch(/^Airbus A350/);
      await page.getByTestId('columns-button').click();
      await page.getByTestId('column-chooser').getByText('inService', { exact: true }).click();
      await page.keyboard.press('Escape');
      expect(await page.getByTestId('object-column').allInnerTexts()).toEqual([expect.stringMatching(/^tail/), expect.stringMatching(/^model/), expect.stringMatching(/^seats/), expect.stringMatching(/^base/)]);

      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
      const csv = readFileSync((await download.path())!, 'utf8');
      expect(csv.trim().split(/\r\n/)).toEqual(['tail,model,seats,base', 'N105,Airbus A350,300,LON', 'N103,Boeing 787,250,NYC', 'N102,Boeing 737,170,LON']);

      await page.getByTestId('chart-button').click();
      await page.getByTestId('chart').locator('svg').waitFor();
      await page.getByTestId('chart-panel').getByLabel('Chart group by').selectOption('base');
      await page.getByTestId('chart-summary').filter({ hasText: '2 groups' }).waitFor();
      await snapshot(page, 'table-chart');
    });

    await step(page, 'save the filter as an object set; it shows current data when opened again', async () => {
      await page.getByTestId('save-set').click();
      const dialog = page.getByRole('dialog', { name: 'Save object set' });
      await dialog.getByLabel('Name').fill('Big aircraft');
      await dialog.getByTestId('save-set-submit').click();
      await page.waitForURL(/set=ri\./);
      await page.getByTestId('object-type-title').filter({ hasText: 'Big aircraft' }).waitFor();
      await importCsv(http, aircraftRid, AIRCRAFT_LATER, 'APPEND', AIRCRAFT_SCHEMA);
      await waitForObjects(http, 'fleetOperations', 'Aircraft', 5);
      await page.getByRole('link', { name: 'Fleet operations' }).click();
      await page.getByTestId('saved-set-row').filter({ hasText: 'Big aircraft' }).getByRole('link', { name: 'Big aircraft' }).click();
      await page.getByTestId('object-count').filter({ hasText: '1–4 of 4 objects' }).waitFor();
      expect(await page.getByTestId('filter-row').getByLabel('Filter value').inputValue()).toBe('160');
    });

    await step(page, 'open an object: its properties, linked objects and source row', async () => {
      await page.getByTestId('object-row').filter({ hasText: 'N105' }).getByRole('link').click();
      await page.getByTestId('object-title').filter({ hasText: 'Airbus A350' }).waitFor();
      expect(await page.getByTestId('object-properties').innerText()).toMatch(/tail\s+key[\s\S]*N105[\s\S]*seats[\s\S]*300/);
      const source = page.getByTestId('source-row');
      expect(await source.innerText()).toContain(aircraftName);
      expect(decodeURIComponent((await source.getByTestId('source-sql').getAttribute('href'))!.replace(/\+/g, ' '))).toContain(`WHERE "tail" = 'N105'`);
      const links = page.getByTestId('linked-objects').filter({ hasText: 'homeBase' });
      await links.getByTestId('linked-count').filter({ hasText: '1' }).waitFor();
      await snapshot(page, 'object');
      await links.getByTestId('linked-object').filter({ hasText: 'Heathrow' }).click();
      await page.getByTestId('object-title').filter({ hasText: 'Heathrow' }).waitFor();
      const back = page.getByTestId('linked-objects').filter({ hasText: 'basedAircraft' });
      await back.getByTestId('linked-count').filter({ hasText: '2' }).waitFor();
      await back.getByRole('button', { name: 'Open as table' }).click();
      await page.waitForURL(/\/objects\/Aircraft\?ref=/);
      await expect.poll(async () => (await page.getByTestId('object-row').allInnerTexts()).map((t) => /N10\d/.exec(t)?.[0])).toEqual(['N102', 'N105']);
    });

    expect(problems).toEqual([]);
    await context.close();
  });

  it('lists the objects of an interface: every implementing type in one table, filtered, sorted, paged, exported', async () => {
    const suffix = randomBytes(3).toString('hex');
    const http = journey.org.admin.http;
    const project = await createProject(http, `Logistics ${suffix}`);
    // Boats live in a project a viewer cannot read: the viewer sees the interface with trucks only.
    const harbour = await createProject(http, `Harbour ${suffix}`);
    // 26 trucks (capacity 1…26, odd ones in LON) and 3 boats: more than one page of 25.
    const trucks = Array.from({ length: 26 }, (_, i) => `T${String(i + 1).padStart(2, '0')},Truck ${String(i + 1).padStart(2, '0')},${i + 1},${i % 2 === 0 ? 'LON' : 'PAR'}`);
    const trucksRid = await dataset(http, project, `trucks_${suffix}`, `id,name,capacity,depot\n${trucks.join('\n')}\n`, {
      fieldSchemaList: [
        { name: 'id', type: 'STRING', nullable: true },
        { name: 'name', type: 'STRING', nullable: true },
        { name: 'capacity', type: 'INTEGER', nullable: true },
        { name: 'depot', type: 'STRING', nullable: true },
      ],
    });
    const boatsRid = await dataset(http, harbour, `boats_${suffix}`, 'code,title,tonnage,port\nB1,Sea Breeze,120,LON\nB2,Nordic Star,300,OSL\nB3,Harbour Cat,15,LON\n', {
      fieldSchemaList: [
        { name: 'code', type: 'STRING', nullable: true },
        { name: 'title', type: 'STRING', nullable: true },
        { name: 'tonnage', type: 'INTEGER', nullable: true },
        { name: 'port', type: 'STRING', nullable: true },
      ],
    });
    const ontology = `logistics${suffix}`;
    await createOntology(http, project, ontology, 'Logistics', {
      interfaceTypes: [{ apiName: 'Vehicle', displayName: 'Vehicle', properties: { label: { type: 'string' }, capacity: { type: 'integer' }, home: { type: 'string' } } }],
      objectTypes: [
        {
          apiName: 'Truck',
          dataset: trucksRid,
          primaryKey: 'truckId',
          titleProperty: 'name',
          properties: { truckId: { column: 'id', type: 'string' }, name: { type: 'string' }, capacity: { type: 'integer' }, depot: { type: 'string' } },
          implements: { Vehicle: { label: 'name', capacity: 'capacity', home: 'depot' } },
        },
        {
          apiName: 'Boat',
          dataset: boatsRid,
          primaryKey: 'code',
          titleProperty: 'title',
          properties: { code: { type: 'string' }, title: { type: 'string' }, tonnage: { type: 'integer' }, port: { type: 'string' } },
          implements: { Vehicle: { label: 'title', capacity: 'tonnage', home: 'port' } },
        },
      ],
    });
    await waitForObjects(http, ontology, 'Truck', 26);
    await waitForObjects(http, ontology, 'Boat', 3);

    const context = await journey.browser.newContext({ baseURL: journey.ts.url, viewport: { width: 1400, height: 900 }, acceptDownloads: true });
    const { page, problems } = await openPage(context);
    const rowTexts = async () => (await page.getByTestId('object-row').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());

    await step(page, 'interface: sign in and open it from the explorer', async () => {
      await signIn(page, journey.org.admin);
      await page.goto(`/ontologies/${ontology}/explore`);
      const card = page.getByTestId('interface-card').filter({ hasText: 'Vehicle' });
      await card.filter({ hasText: '2 object types · 29 objects' }).waitFor();
      await snapshot(page, 'explorer-interfaces');
      await card.click();
      await page.getByTestId('interface-title').filter({ hasText: 'Vehicle' }).waitFor();
    });

    await step(page, 'interface: objects of both types, counted and paged by the server', async () => {
      await page.getByTestId('object-count').filter({ hasText: '1–29 of 29 objects' }).waitFor();
      await page.getByLabel('Objects per page').selectOption('25');
      await page.getByTestId('object-count').filter({ hasText: '1–25 of 29 objects' }).waitFor();
      expect(await page.getByTestId('object-column').allInnerTexts()).toEqual([expect.stringMatching(/^label/), expect.stringMatching(/^capacity/), expect.stringMatching(/^home/)]);
      // Without a sort: by type, then key — the boats first.
      expect((await rowTexts()).slice(0, 4)).toEqual(['Sea Breeze Boat Sea Breeze 120 LON', 'Nordic Star Boat Nordic Star 300 OSL', 'Harbour Cat Boat Harbour Cat 15 LON', 'Truck 01 Truck Truck 01 1 LON']);
      await page.getByTestId('next-page').click();
      await page.getByTestId('object-count').filter({ hasText: '26–29 of 29 objects' }).waitFor();
      expect(await rowTexts()).toEqual(['Truck 23 Truck Truck 23 23 LON', 'Truck 24 Truck Truck 24 24 PAR', 'Truck 25 Truck Truck 25 25 LON', 'Truck 26 Truck Truck 26 26 PAR']);
      await page.getByRole('button', { name: 'Previous page' }).click();
      await page.getByTestId('object-count').filter({ hasText: '1–25 of 29 objects' }).waitFor();
      await page.getByTestId('types-button').click();
      const chooser = page.getByTestId('type-chooser');
      await chooser.getByText(/Trucks\s*26/).waitFor();
      await chooser.getByText(/Boats\s*3/).waitFor();
      await snapshot(page, 'interface-types');
      await chooser.getByText('Boats').click();
      await page.getByTestId('object-count').filter({ hasText: '1–25 of 26 objects' }).waitFor();
      expect(page.url()).toContain('types=Truck');
      await chooser.getByText('Boats').click();
      await page.getByTestId('object-count').filter({ hasText: '1–25 of 29 objects' }).waitFor();
      expect(page.url()).not.toContain('types=');
      await page.keyboard.press('Escape');
    });

    await step(page, 'interface: filter and sort by shared properties, choose columns, export the filtered set', async () => {
      await page.getByTestId('add-filter').click();
      const capacity = page.getByTestId('filter-row').nth(0);
      await capacity.getByLabel('Filter property').selectOption('capacity');
      await capacity.getByLabel('Filter operator').selectOption('gt');
      await capacity.getByLabel('Filter value').fill('22');
      await page.getByTestId('object-count').filter({ hasText: '1–6 of 6 objects' }).waitFor();
      await page.getByTestId('add-filter').click();
      const home = page.getByTestId('filter-row').nth(1);
      await home.getByLabel('Filter property').selectOption('home');
      await home.getByLabel('Filter value').fill('LON');
      await page.getByTestId('object-count').filter({ hasText: '1–3 of 3 objects' }).waitFor();
      await page.getByRole('button', { name: 'Sort by capacity' }).click();
      await page.getByRole('button', { name: 'Sort by capacity' }).click();
      expect(page.url()).toContain('sort=capacity%3Adesc');
      await expect.poll(rowTexts).toEqual(['Sea Breeze Boat Sea Breeze 120 LON', 'Truck 25 Truck Truck 25 25 LON', 'Truck 23 Truck Truck 23 23 LON']);
      // The counts per type follow the filter.
      await page.getByTestId('types-button').click();
      await page.getByTestId('type-chooser').getByText(/Trucks\s*2/).waitFor();
      await page.keyboard.press('Escape');
      await page.getByTestId('columns-button').click();
      await page.getByTestId('column-chooser').getByText('home', { exact: true }).click();
      await page.keyboard.press('Escape');
      expect(await page.getByTestId('object-column').allInnerTexts()).toEqual([expect.stringMatching(/^label/), expect.stringMatching(/^capacity/)]);
      await snapshot(page, 'interface-table');
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
      expect(download.suggestedFilename()).toBe('Vehicle.csv');
      const csv = readFileSync((await download.path())!, 'utf8');
      expect(csv.trim().split(/\r\n/)).toEqual(['object type,primary key,label,capacity', 'Boat,B1,Sea Breeze,120', 'Truck,T25,Truck 25,25', 'Truck,T23,Truck 23,23']);
    });

    await step(page, 'interface: the filtered set saved as an object set opens again from the explorer', async () => {
      await page.getByTestId('types-button').click();
      await page.getByTestId('type-chooser').getByText('Boats').click();
      await page.getByTestId('object-count').filter({ hasText: '1–2 of 2 objects' }).waitFor();
      await page.keyboard.press('Escape');
      await page.getByTestId('save-set').click();
      const dialog = page.getByRole('dialog', { name: 'Save object set' });
      await dialog.getByLabel('Name').fill('Big London trucks');
      await dialog.getByTestId('save-set-submit').click();
      await page.waitForURL(/set=ri\./);
      await page.getByText(/saved object set .*Big London trucks/).waitFor();
      await page.goto(`/ontologies/${ontology}/explore`);
      const row = page.getByTestId('saved-set-row').filter({ hasText: 'Big London trucks' });
      await row.filter({ hasText: 'Vehicle' }).waitFor();
      await row.getByRole('link', { name: 'Big London trucks' }).click();
      await page.getByTestId('interface-title').filter({ hasText: 'Vehicle' }).waitFor();
      await page.getByTestId('object-count').filter({ hasText: '1–2 of 2 objects' }).waitFor();
      expect(page.url()).toContain('types=Truck');
      expect(await page.getByTestId('filter-row').getByLabel('Filter value').evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value))).toEqual(['22', 'LON']);
    });

    await step(page, 'interface: a row opens its object, which links back to the interface', async () => {
      await page.getByTestId('object-row').filter({ hasText: 'Truck 25' }).getByRole('link', { name: 'Truck 25' }).click();
      await page.getByTestId('object-title').filter({ hasText: 'Truck 25' }).waitFor();
      expect(page.url()).toMatch(/\/objects\/Truck\/T25$/);
      await page.getByRole('link', { name: 'Vehicle' }).click();
      await page.getByTestId('interface-title').filter({ hasText: 'Vehicle' }).waitFor();
      await page.goto(`/ontologies/${ontology}?tab=interfaces`);
      await page.getByTestId('interface-row').getByRole('link', { name: 'Vehicle' }).click();
      await page.getByTestId('object-count').filter({ hasText: '1–29 of 29 objects' }).waitFor();
      await page.goto(`/ontologies/${ontology}/interfaces/Nothing`);
      await page.getByText('No such interface').waitFor();
    });

    // A viewer of the project who cannot read the boats' dataset: the interface holds trucks only.
    const viewer = await journey.ts.createUser(journey.org);
    await grantRead(http, project, viewer.userId);
    const viewerContext = await journey.browser.newContext({ baseURL: journey.ts.url, viewport: { width: 1400, height: 900 } });
    const asViewer = await openPage(viewerContext);
    await step(asViewer.page, 'interface: a viewer sees only the types they can read', async () => {
      await signIn(asViewer.page, viewer);
      await asViewer.page.goto(`/ontologies/${ontology}/interfaces/Vehicle`);
      await asViewer.page.getByTestId('object-count').filter({ hasText: '1–26 of 26 objects' }).waitFor();
      expect(await asViewer.page.getByTestId('types-button').innerText()).toContain('Object types (1/1)');
      expect(await asViewer.page.getByText('Boat', { exact: true }).count()).toBe(0);
    });

    expect([...problems, ...asViewer.problems]).toEqual([]);
    await viewerContext.close();
    await context.close();
  });

  it('edits interface links in the manager: declared on the interface, implemented by an object type, checked by the server', async () => {
    const suffix = randomBytes(3).toString('hex');
    const http = journey.org.admin.http;
    const project = await createProject(http, `Depots ${suffix}`);
    const depots = await dataset(http, project, `depots_${suffix}`, 'code,city\nLON,London\nPAR,Paris\n');
    const drivers = await dataset(http, project, `drivers_${suffix}`, 'id,name\nD1,Ada\nD2,Grace\n');
    const trucks = await dataset(http, project, `lorries_${suffix}`, 'id,name,depot,driver\nT1,Volvo FH,LON,D1\nT2,Scania R,PAR,D2\n');
    const ontology = `depots${suffix}`;
    await createOntology(http, project, ontology, 'Depots', {
      interfaceTypes: [
        { apiName: 'Vehicle', properties: { label: { type: 'string' } } },
        { apiName: 'Lorry', extends: ['Vehicle'], properties: { fleetCode: { type: 'string' } } },
      ],
      objectTypes: [
        { apiName: 'Depot', dataset: depots, primaryKey: 'code', titleProperty: 'city', properties: { code: { type: 'string' }, city: { type: 'string' } } },
        { apiName: 'Driver', dataset: drivers, primaryKey: 'id', titleProperty: 'name', properties: { id: { type: 'string' }, name: { type: 'string' } } },
        {
          apiName: 'Truck',
          dataset: trucks,
          primaryKey: 'id',
          titleProperty: 'name',
          properties: { id: { type: 'string' }, name: { type: 'string' }, depotCode: { column: 'depot', type: 'string' }, driverId: { column: 'driver', type: 'string' } },
          implements: { Vehicle: { label: 'name' } },
        },
      ],
      linkTypes: [
        { apiName: 'truckDepot', cardinality: 'MANY_TO_ONE', from: { objectType: 'Truck', linkApiName: 'homeDepot' }, to: { objectType: 'Depot', linkApiName: 'trucks' }, foreignKey: 'depotCode' },
        { apiName: 'truckDriver', cardinality: 'MANY_TO_ONE', from: { objectType: 'Truck', linkApiName: 'driver' }, to: { objectType: 'Driver', linkApiName: 'trucks' }, foreignKey: 'driverId' },
      ],
    });
    const definition = async () => (await http.get<{ objectTypes: Array<{ apiName: string; interfaceLinks?: unknown }> }>(`/api/v2/ontologies/${ontology}/definition`)).body.objectTypes.find((t) => t.apiName === 'Truck')!.interfaceLinks;

    const context = await journey.browser.newContext({ baseURL: journey.ts.url, viewport: { width: 1400, height: 900 } });
    const { page, problems } = await openPage(context);
    const editInterface = async () => {
      await page.getByRole('button', { name: 'Edit Vehicle' }).click();
      return page.getByRole('dialog', { name: 'Edit interface Vehicle' });
    };
    const editTruck = async () => {
      await page.getByRole('tab', { name: /^Object types/ }).click();
      await page.getByRole('button', { name: 'Edit Truck' }).click();
      const editor = page.getByTestId('object-type-editor');
      await editor.getByTestId('property-row').first().waitFor();
      return editor;
    };

    await step(page, 'interface links: declare a link on the interface, checked as you type', async () => {
      await signIn(page, journey.org.admin);
      await page.goto(`/ontologies/${ontology}?tab=interfaces`);
      const dialog = await editInterface();
      await dialog.getByTestId('add-interface-link').click();
      const link = dialog.getByTestId('interface-link');
      await link.getByLabel('Link API name').fill('2base');
      await dialog.getByTestId('local-problems').filter({ hasText: 'link 2base: letters, digits and _ only' }).waitFor();
      await link.getByLabel('Link API name').fill('base');
      await dialog.getByTestId('local-problems').filter({ hasText: 'link base: choose what it leads to' }).waitFor();
      expect(await dialog.getByTestId('save-interface').isDisabled()).toBe(true);
      await link.getByLabel('Link display name').fill('Home base');
      await link.getByLabel('Link leads to').selectOption('objectType:Depot');
      await dialog.getByTestId('plan-change').filter({ hasText: 'update' }).filter({ hasText: 'Vehicle' }).waitFor();
      await snapshot(page, 'interface-links-editor');
      await dialog.getByTestId('save-interface').click();
      await dialog.waitFor({ state: 'detached' });
      await page.getByTestId('interface-row').filter({ hasText: 'base → one Depot' }).waitFor();
      const stored = await http.get<{ links: Record<string, unknown> }>(`/api/v2/ontologies/${ontology}/interfaceTypes/Vehicle`);
      expect(stored.body.links).toEqual({
        base: { rid: expect.any(String), apiName: 'base', displayName: 'Home base', cardinality: 'ONE', required: false, linkedEntityApiName: { type: 'objectTypeApiName', apiName: 'Depot' } },
      });
    });

    await step(page, 'interface links: a wrong link of the object type is named by the server; the right one is saved', async () => {
      const editor = await editTruck();
      const choice = editor.getByLabel('Link implementing Vehicle.base');
      await choice.selectOption('driver');
      await editor.getByTestId('interface-link-problem').filter({ hasText: 'driver leads to Driver, but Vehicle.base to Depot' }).waitFor();
      expect(await page.getByTestId('save-object-type').isDisabled()).toBe(true);
      await snapshot(page, 'interface-link-problem');
      await choice.selectOption('homeDepot');
      await editor.getByTestId('plan-change').filter({ hasText: 'update' }).filter({ hasText: 'Truck' }).waitFor();
      expect(await editor.getByTestId('interface-link-problem').count()).toBe(0);
      await page.getByTestId('save-object-type').click();
      await editor.waitFor({ state: 'detached' });
      expect(await definition()).toEqual({ Vehicle: { base: ['homeDepot'] } });
      const meta = await http.get<{ implementsInterfaces2: Record<string, { links: unknown }> }>(`/api/v2/ontologies/${ontology}/objectTypes/Truck/fullMetadata`);
      expect(meta.body.implementsInterfaces2.Vehicle!.links).toEqual({ base: ['homeDepot'] });
    });

    await step(page, 'interface links: a required link no type implements is refused; a MANY link takes several links', async () => {
      await page.getByRole('tab', { name: /^Interfaces/ }).click();
      const dialog = await editInterface();
      await dialog.getByTestId('interface-link').nth(0).getByText('Required').click();
      await dialog.getByTestId('add-interface-link').click();
      const crew = dialog.getByTestId('interface-link').nth(1);
      await crew.getByLabel('Link API name').fill('crew');
      await crew.getByLabel('Link cardinality').selectOption('MANY');
      await crew.getByLabel('Link leads to').selectOption('objectType:Driver');
      await crew.getByText('Required').click();
      await dialog.getByTestId('problem').filter({ hasText: 'no link implements Vehicle.crew, which is required' }).waitFor();
      expect(await dialog.getByTestId('save-interface').isDisabled()).toBe(true);
      await crew.getByText('Required').click();
      await dialog.getByTestId('plan-change').filter({ hasText: 'Vehicle' }).waitFor();
      await dialog.getByTestId('save-interface').click();
      await dialog.waitFor({ state: 'detached' });
      await page.getByTestId('interface-row').filter({ hasText: 'base → one Depot (required), crew → many Driver' }).waitFor();

      const editor = await editTruck();
      await editor.getByTestId('interface-links').locator('label').filter({ hasText: 'driver → Driver' }).click();
      await editor.getByTestId('plan-change').filter({ hasText: 'Truck' }).waitFor();
      await page.getByTestId('save-object-type').click();
      await editor.waitFor({ state: 'detached' });
      expect(await definition()).toEqual({ Vehicle: { base: ['homeDepot'], crew: ['driver'] } });
      const stored = await http.get<{ links: Record<string, { required: boolean; cardinality: string }> }>(`/api/v2/ontologies/${ontology}/interfaceTypes/Vehicle`);
      expect(stored.body.links.base).toMatchObject({ required: true, cardinality: 'ONE' });
      expect(stored.body.links.crew).toMatchObject({ required: false, cardinality: 'MANY' });
    });

    await step(page, 'an interface that extends another: its inherited properties and links are mapped too', async () => {
      const editor = await editTruck();
      await editor.getByLabel('Implement an interface').selectOption('Lorry');
      // Lorry's own property and Vehicle's, which it inherits.
      await editor.locator('#impl-Lorry-fleetCode').selectOption('id');
      await editor.locator('#impl-Lorry-label').selectOption('name');
      await editor.getByLabel('Link implementing Lorry.base').selectOption('homeDepot');
      await editor.getByTestId('plan-change').filter({ hasText: 'update' }).filter({ hasText: 'Truck' }).waitFor();
      await page.getByTestId('save-object-type').click();
      await editor.waitFor({ state: 'detached' });
      const truck = (await http.get<{ objectTypes: Array<{ apiName: string; implements?: unknown; interfaceLinks?: unknown }> }>(`/api/v2/ontologies/${ontology}/definition`)).body.objectTypes.find((t) => t.apiName === 'Truck')!;
      expect(truck.implements).toEqual({ Vehicle: { label: 'name' }, Lorry: { label: 'name', fleetCode: 'id' } });
      expect(truck.interfaceLinks).toEqual({ Vehicle: { base: ['homeDepot'], crew: ['driver'] }, Lorry: { base: ['homeDepot'] } });
    });

    expect(problems).toEqual([]);
    await context.close();
  });
});
