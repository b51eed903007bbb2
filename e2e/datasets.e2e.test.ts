import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { OUT_DIR, openPage, step } from './support/browser.js';
import { submitSignIn, useJourney } from './support/journey.js';

const SALES_CSV = ['region,amount,note', 'north,10,first', 'south,20,', 'north,5,third', 'east,7.5,fourth'].join('\n') + '\n';
const MORE_CSV = ['region,amount,note', 'south,30.5,fifth', 'west,1.25,sixth'].join('\n') + '\n';

/** With E2E_SNAPSHOTS=1, a full-page screenshot in e2e/out of a passing step, to review the layout. */
async function snapshot(page: Page, name: string) {
  if (!process.env.E2E_SNAPSHOTS) return;
  mkdirSync(OUT_DIR, { recursive: true });
  await page.screenshot({ path: join(OUT_DIR, `${name}.png`), fullPage: true });
}

/** Chooses a file in the open upload dialog and uploads it; returns once the dialog closed. */
async function uploadThroughDialog(page: Page, name: string, content: string, transactionType: 'Snapshot' | 'Append') {
  await page.getByTestId('upload-button').click();
  const dialog = page.getByRole('dialog', { name: /^Upload to / });
  await dialog.locator('#upload-file').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(content) });
  expect(await dialog.getByLabel('Format').inputValue()).toBe('csv');
  await dialog.getByRole('radio', { name: transactionType }).click();
  await dialog.getByTestId('upload-submit').click();
  await dialog.waitFor({ state: 'detached' });
}

/**
 * Datasets through the real web app on the real server: create a dataset in a new project,
 * upload a CSV in the upload dialog, preview it, read its schema and history, travel back to an
 * older transaction, branch from it, find it in the catalog; then query it in the SQL workbench
 * (a syntax error marked at its line, a GROUP BY), save the query, export the results to a new
 * dataset and open that, and open a dataset from its folder.
 */
describe('browser journey: datasets and SQL', () => {
  const journey = useJourney('Datasets Org');

  it('creates a dataset, uploads a CSV, previews it, travels in its history, then queries it in SQL, saves the query and exports the results', async () => {
    const suffix = randomBytes(3).toString('hex');
    const projectName = `Data project ${suffix}`;
    const datasetName = `sales_${suffix}`;
    const context = await journey.browser.newContext({ baseURL: journey.ts.url, viewport: { width: 1400, height: 900 } });
    const { page, problems } = await openPage(context);

    await step(page, 'sign in', async () => {
      await page.goto('/login');
      await submitSignIn(page, journey.org.admin);
      await page.getByRole('heading', { name: /^Welcome/ }).waitFor();
    });

    await step(page, 'create a project', async () => {
      await page.getByRole('link', { name: 'Projects & files' }).click();
      await page.getByTestId('new-project').click();
      const dialog = page.getByRole('dialog', { name: 'New project' });
      await dialog.getByLabel('Project name').fill(projectName);
      await dialog.getByRole('button', { name: 'Create project' }).click();
      await page.getByTestId('folder-title').filter({ hasText: projectName }).waitFor();
    });

    let datasetRid = '';
    await step(page, 'create a dataset', async () => {
      await page.getByTestId('new-menu').click();
      await page.getByTestId('new-dataset').click();
      const dialog = page.getByRole('dialog', { name: 'New dataset' });
      await dialog.getByLabel('Dataset name').fill(datasetName);
      await dialog.getByTestId('create-dataset-submit').click();
      await page.waitForURL(/\/datasets\/ri\./);
      await page.getByTestId('dataset-title').filter({ hasText: datasetName }).waitFor();
      datasetRid = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
      expect(datasetRid).toMatch(/^ri\.foundry\.[^.]*\.dataset\./);
      await page.getByTestId('preview-empty').waitFor();
    });

    await step(page, 'upload a CSV and see the preview rows', async () => {
      await uploadThroughDialog(page, 'sales.csv', SALES_CSV, 'Snapshot');
      const grid = page.getByTestId('preview-grid');
      await expect.poll(() => grid.getByTestId('grid-row').count()).toBe(4);
      const headers = await grid.getByTestId('grid-column').allInnerTexts();
      expect(headers.map((h) => h.split('\n')[0])).toEqual(['region', 'amount', 'note']);
      expect(headers[1]).toMatch(/DOUBLE|DECIMAL/);
      // The empty note of the second row is a null, shown as such.
      await expect.poll(() => grid.getByTestId('grid-row').nth(1).locator('.of-grid-null').count()).toBe(1);
      await page.getByTestId('grid-pager').filter({ hasText: 'of 4' }).waitFor();
      await snapshot(page, 'dataset-preview');
    });

    await step(page, 'read the schema and column statistics', async () => {
      await page.getByRole('tab', { name: 'Schema' }).click();
      await page.locator('[data-testid="schema-row"][data-name="region"]').waitFor();
      const region = page.locator('[data-testid="schema-row"][data-name="region"]');
      await expect.poll(() => region.innerText()).toMatch(/STRING/);
      await expect.poll(() => region.innerText()).toMatch(/east/);
      await snapshot(page, 'dataset-schema');
    });

    await step(page, 'append a second file and travel back to the snapshot', async () => {
      await uploadThroughDialog(page, 'more.csv', MORE_CSV, 'Append');
      await page.getByTestId('grid-pager').filter({ hasText: 'of 6' }).waitFor();
      await page.getByRole('tab', { name: 'History' }).click();
      const rows = page.getByTestId('history-row');
      await expect.poll(() => rows.count()).toBe(2);
      expect(await rows.nth(0).getAttribute('data-type')).toBe('APPEND');
      expect(await rows.nth(1).getAttribute('data-type')).toBe('SNAPSHOT');
      await rows.nth(1).click();
      await page.getByTestId('time-travel-banner').waitFor();
      await snapshot(page, 'dataset-history');
      await page.getByRole('tab', { name: 'Preview' }).click();
      await page.getByTestId('grid-pager').filter({ hasText: 'of 4' }).waitFor();
      await page.getByRole('tab', { name: 'Files' }).click();
      await expect.poll(() => page.getByTestId('file-row').count()).toBe(1);
      await snapshot(page, 'dataset-time-travel');
      await page.getByTestId('back-to-latest').click();
      await page.getByTestId('time-travel-banner').waitFor({ state: 'detached' });
      await expect.poll(() => page.getByTestId('file-row').count()).toBe(2);
    });

    await step(page, 'create a branch from the snapshot and delete it', async () => {
      await page.getByRole('tab', { name: /^Branches/ }).click();
      await page.getByTestId('new-branch').click();
      const dialog = page.getByRole('dialog', { name: 'New branch' });
      await dialog.getByLabel('Branch name').fill('develop');
      await dialog.getByText('An older transaction of it').click();
      const transaction = dialog.getByLabel('Transaction', { exact: true });
      await transaction.selectOption((await transaction.locator('option', { hasText: 'SNAPSHOT' }).getAttribute('value'))!);
      await dialog.getByRole('button', { name: 'Create branch' }).click();
      await dialog.waitFor({ state: 'detached' });
      await page.waitForURL((url) => url.searchParams.get('branch') === 'develop');
      expect(await page.getByTestId('branch-select').inputValue()).toBe('develop');
      await snapshot(page, 'dataset-branches');
      await page.getByRole('tab', { name: 'Preview' }).click();
      await page.getByTestId('grid-pager').filter({ hasText: 'of 4' }).waitFor();
      await page.getByRole('tab', { name: /^Branches/ }).click();
      await page.getByRole('button', { name: 'Delete branch develop' }).click();
      await page.getByRole('alertdialog').getByRole('button', { name: 'Delete branch' }).click();
      await page.locator('[data-testid="branch-row"][data-name="develop"]').waitFor({ state: 'detached' });
      expect(await page.getByTestId('branch-select').inputValue()).toBe('master');
    });

    await step(page, 'find the dataset in the catalog', async () => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Datasets' }).click();
      await page.getByTestId('dataset-search').fill(suffix);
      await page.waitForURL((url) => url.searchParams.get('q') === suffix);
      const row = page.locator(`[data-testid="dataset-row"][data-name="${datasetName}"]`);
      await row.waitFor();
      await snapshot(page, 'datasets-catalog');
      await row.getByRole('link', { name: datasetName }).click();
      await page.getByTestId('dataset-title').filter({ hasText: datasetName }).waitFor();
    });

    const datasetPath = `/Default/${projectName}/${datasetName}`;
    await step(page, 'open the SQL workbench from the dataset', async () => {
      await page.getByTestId('query-dataset').click();
      await page.waitForURL(/\/sql\?query=/);
      const editor = page.getByTestId('sql-textarea');
      expect(await editor.inputValue()).toBe(`SELECT * FROM "${datasetPath}" LIMIT 100`);
      await page.getByTestId('sql-run').click();
      await page.locator('[data-testid="sql-status"][data-phase="succeeded"]').waitFor();
      await expect.poll(() => page.getByTestId('sql-results').getByTestId('grid-row').count()).toBe(6);
    });

    await step(page, 'see a syntax error marked at its line', async () => {
      await page.getByTestId('sql-textarea').fill(`SELECT region\nFROM "${datasetPath}"\nWHERE amount >`);
      await page.getByTestId('sql-textarea').press('Control+Enter');
      await page.getByTestId('sql-error').waitFor();
      await page.getByTestId('sql-error-line').waitFor();
      expect(await page.getByTestId('sql-error-line').innerText()).toBe('3');
      await snapshot(page, 'sql-error');
    });

    await step(page, 'run a GROUP BY and see the results', async () => {
      await page.getByTestId('sql-textarea').fill(`SELECT region, sum(amount) AS total\nFROM "${datasetPath}"\nGROUP BY 1\nORDER BY 1`);
      await page.getByTestId('sql-textarea').press('Control+Enter');
      await page.locator('[data-testid="sql-status"][data-phase="succeeded"]').waitFor();
      await page.getByTestId('sql-error').waitFor({ state: 'detached' });
      const results = page.getByTestId('sql-results');
      await expect.poll(() => results.getByTestId('grid-row').count()).toBe(4);
      const headers = await results.getByTestId('grid-column').allInnerTexts();
      expect(headers.map((h) => h.split('\n')[0])).toEqual(['region', 'total']);
      const first = await results.getByTestId('grid-row').first().locator('td').allInnerTexts();
      expect(first.slice(1, 3)).toEqual(['east', '7.5']);
      await snapshot(page, 'sql-workbench');
    });

    const queryName = `Totals by region ${suffix}`;
    await step(page, 'save the query', async () => {
      await page.getByTestId('sql-save').click();
      const dialog = page.getByRole('dialog', { name: 'Save query' });
      await dialog.getByLabel('Query name').fill(queryName);
      await dialog.getByRole('button', { name: 'Save' }).click();
      await dialog.waitFor({ state: 'detached' });
      await page.locator(`[data-testid="saved-query"][data-name="${queryName}"]`).waitFor();
      await page.getByTestId('current-saved-query').filter({ hasText: queryName }).waitFor();
    });

    const exportName = `region_totals_${suffix}`;
    await step(page, 'export the results to a new dataset and open it', async () => {
      await page.getByTestId('sql-export').click();
      const dialog = page.getByRole('dialog', { name: 'Export to dataset' });
      await dialog.getByLabel('Dataset name').fill(exportName);
      await dialog.getByTestId('folder-picker').getByText(projectName, { exact: true }).click();
      await dialog.getByTestId('folder-picker-location').filter({ hasText: projectName }).waitFor();
      await dialog.getByTestId('export-submit').click();
      await dialog.getByTestId('export-link').click();
      await page.waitForURL(/\/datasets\/ri\./);
      await page.getByTestId('dataset-title').filter({ hasText: exportName }).waitFor();
      await expect.poll(() => page.getByTestId('preview-grid').getByTestId('grid-row').count()).toBe(4);
      await snapshot(page, 'exported-dataset');
    });

    await step(page, 'open a dataset from its folder', async () => {
      await page.getByTestId('breadcrumbs').getByRole('link', { name: projectName }).click();
      await page.getByTestId('folder-title').filter({ hasText: projectName }).waitFor();
      const row = page.locator(`[data-testid="resource-row"][data-name="${datasetName}"]`);
      expect(await row.innerText()).toContain('Dataset');
      await row.getByRole('link', { name: datasetName }).click();
      await page.getByTestId('dataset-title').filter({ hasText: datasetName }).waitFor();
    });

    expect(problems).toEqual([]);
    await context.close();
  });
});
