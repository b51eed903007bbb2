import { defineConfig } from 'vitest/config';

// Browser journeys (e2e/): the real server from libs/testkit, the built web app, Debian's
// Chromium driven by playwright-core. One file at a time: each starts a server and a browser.
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 600_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
  },
});
