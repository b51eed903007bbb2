import { afterAll, beforeAll } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestOrg, type TestServer } from '@openfoundry/testkit';
import { ensureWebBuilt } from './web-build.js';
import { launchChromium } from './browser.js';

/** What a browser journey runs against: the real server, an organization with its admin, Chromium. */
export interface Journey {
  readonly ts: TestServer;
  readonly org: TestOrg;
  readonly browser: Browser;
}

/** Builds the web app if needed, starts the server and Chromium before the journey, stops them after. */
export function useJourney(orgName: string): Journey {
  const state: { ts?: TestServer; org?: TestOrg; browser?: Browser } = {};
  beforeAll(async () => {
    ensureWebBuilt();
    state.ts = await startTestServer();
    state.org = await state.ts.createOrg(orgName);
    state.browser = await launchChromium();
  });
  afterAll(async () => {
    await state.browser?.close();
    await state.ts?.close();
  });
  return {
    get ts() {
      return state.ts!;
    },
    get org() {
      return state.org!;
    },
    get browser() {
      return state.browser!;
    },
  };
}

/** Fills the sign-in form with the user's email and password and submits it. */
export async function submitSignIn(page: Page, user: { email: string; password: string }): Promise<void> {
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
