// Lint: TypeScript rules plus the architecture's boundaries (ARCHITECTURE.md §2):
// - a package is used only through its `exports` (no deep imports, no relative paths into
//   another package);
// - services never import other services (only apps/server wires them together);
// - apps/web imports only the SDK and UI code;
// - `process.env` is read only by the configuration loaders.
import tseslint from 'typescript-eslint';

const deepImports = {
  group: ['@openfoundry/*/src/*', '@openfoundry/*/src', '**/../libs/*', '**/../services/*', '**/../apps/*', '**/../sdks/*', '../../*/*/src/*'],
  message: 'Use the package through its public entry point (package.json `exports`).',
};

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', 'sdks/typescript/src/schema.d.ts', 'e2e/out/**', 'bench/out/**', '.openfoundry/**'],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-empty-object-type': 'off',
      'no-restricted-imports': ['error', { patterns: [deepImports] }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through the config loader (apps/server/src/config.ts).' }],
    },
  },
  {
    files: ['services/**/*.ts'],
    ignores: ['services/*/test/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            deepImports,
            {
              group: ['@openfoundry/identity', '@openfoundry/filesystem', '@openfoundry/datasets', '@openfoundry/sql', '@openfoundry/ontology', '@openfoundry/server', '@openfoundry/web'],
              message: 'Services do not import each other; depend on an interface in libs/ and let apps/server wire it.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['apps/web/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            deepImports,
            { group: ['@openfoundry/*', '!@openfoundry/sdk'], message: 'The web app talks to the server only through @openfoundry/sdk.' },
          ],
        },
      ],
    },
  },
  {
    // Configuration loaders, the test kit and tooling scripts may read the environment.
    files: ['apps/server/src/config.ts', 'libs/testkit/**', 'scripts/**', 'bench/**', 'e2e/**', '**/test/**', 'apps/web/vite.config.ts', '*.config.{ts,js}'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
