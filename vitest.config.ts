import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{libs,services,apps,sdks}/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'e2e/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
