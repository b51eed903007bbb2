import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openPage, step } from './support/browser.js';
import { submitSignIn, useJourney } from './support/journey.js';

/**
 * The first journey of a new organization, through the real web app on the real server:
 * sign in, create a project and a folder in it, create a group, share the project with the
 * group, then find all of that in the audit log; sign out.
 */
describe('browser journey: projects, sharing and audit', () => {
  const journey = useJourney('Journey Org');

  it('signs in, creates a project and a folder, shares with a group and finds it all in the audit log', async () => {
    const suffix = randomBytes(3).toString('hex');
    const projectName = `Journey project ${suffix}`;
    const folderName = `Reports ${suffix}`;
    const groupName = `Analysts ${suffix}`;
    const context = await journey.browser.newContext({ baseURL: journey.ts.url, viewport: { width: 1400, height: 900 } });
    const { page, problems } = await openPage(context);

    await step(page, 'sign in', async () => {
      await page.goto('/');
      await page.waitForURL(/\/login(\?|$)/);
      await submitSignIn(page, journey.org.admin);
      await page.getByRole('heading', { name: /^Welcome/ }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/');
    });

    let projectRid = '';
    await step(page, 'create a project', async () => {
      await page.getByRole('link', { name: 'Projects & files' }).click();
      await page.getByTestId('new-project').click();
      const dialog = page.getByRole('dialog', { name: 'New project' });
      await dialog.getByLabel('Project name').fill(projectName);
      await dialog.getByRole('button', { name: 'Create project' }).click();
      await page.waitForURL(/\/files\/ri\./);
      await page.getByTestId('folder-title').filter({ hasText: projectName }).waitFor();
      projectRid = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
      expect(projectRid).toMatch(/^ri\.compass\.[^.]*\.folder\./);
    });

    await step(page, 'create a folder in the project', async () => {
      await page.getByTestId('new-menu').click();
      await page.getByTestId('new-folder').click();
      const dialog = page.getByRole('dialog', { name: 'New folder' });
      await dialog.getByLabel('Folder name').fill(folderName);
      await dialog.getByRole('button', { name: 'Create folder' }).click();
      await page.locator(`[data-testid="resource-row"][data-name="${folderName}"]`).waitFor();
    });

    await step(page, 'create a group', async () => {
      await page.getByRole('link', { name: 'Groups' }).click();
      await page.getByTestId('new-group').click();
      const dialog = page.getByRole('dialog', { name: 'New group' });
      await dialog.getByLabel('Name').fill(groupName);
      await dialog.getByRole('button', { name: 'Create group' }).click();
      await page.waitForURL(/\/admin\/groups\/[0-9a-f-]+$/);
      await page.getByRole('heading', { name: groupName }).waitFor();
    });

    await step(page, 'share the project with the group', async () => {
      await page.goto(`/files/${encodeURIComponent(projectRid)}`);
      await page.getByTestId('folder-title').filter({ hasText: projectName }).waitFor();
      await page.getByTestId('share-button').click();
      const dialog = page.getByRole('dialog', { name: `Share “${projectName}”` });
      await dialog.getByTestId('principal-search').fill(groupName);
      await dialog.getByTestId('principal-results').getByText(groupName, { exact: true }).click();
      await dialog.getByTestId('share-role').selectOption('compass:edit');
      await dialog.getByTestId('share-add-button').click();
      const grant = dialog.getByTestId('role-grant').filter({ hasText: groupName });
      await grant.waitFor();
      expect(await grant.getByRole('combobox').inputValue()).toBe('compass:edit');
      await dialog.getByRole('button', { name: 'Done' }).click();
      await dialog.waitFor({ state: 'detached' });
    });

    await step(page, 'find the actions in the audit log', async () => {
      await page.getByRole('link', { name: 'Audit log' }).click();
      await page.getByTestId('audit-table').waitFor();
      await page.getByLabel('Resource RID').fill(projectRid);
      await page.getByRole('button', { name: 'Apply' }).click();
      await page.waitForURL((url) => url.searchParams.get('resourceRid') === projectRid);
      for (const category of ['filesystem.project.create', 'filesystem.folder.create', 'filesystem.role.add']) {
        await page.locator(`[data-testid="audit-row"][data-category="${category}"]`).first().waitFor();
      }
      const categories = await page.getByTestId('audit-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-category')));
      // Newest first: the grant came after the folder, the folder after the project.
      expect(categories.indexOf('filesystem.role.add')).toBeLessThan(categories.indexOf('filesystem.folder.create'));
      expect(categories.indexOf('filesystem.folder.create')).toBeLessThan(categories.indexOf('filesystem.project.create'));
    });

    await step(page, 'sign out', async () => {
      await page.getByTestId('user-menu').click();
      await page.getByTestId('sign-out').click();
      await page.waitForURL(/\/login(\?|$)/);
      await page.goto('/files');
      await page.waitForURL(/\/login\?next=%2Ffiles$/);
    });

    expect(problems).toEqual([]);
    await context.close();
  });
});
