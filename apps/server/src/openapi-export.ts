/**
 * Writes the OpenAPI document generated from the route schemas to apps/server/openapi.json, or
 * with `--check` fails when the committed copy differs from what the code generates.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '@openfoundry/db';
import { loadConfig } from './config.js';
import { createServer } from './platform.js';

const target = resolve(dirname(fileURLToPath(import.meta.url)), '../openapi.json');

export async function generateOpenApi(): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'of-openapi-'));
  const config = loadConfig(
    { OPENFOUNDRY_DATA_DIR: dataDir, OPENFOUNDRY_LOG_LEVEL: 'silent', OPENFOUNDRY_SECRET_KEY: randomBytes(32).toString('base64'), OPENFOUNDRY_PUBLIC_URL: 'http://127.0.0.1:8080' },
    {},
  );
  const server = await createServer(config, { database: await openDatabase({}) });
  try {
    return `${JSON.stringify(server.app.swagger(), null, 2)}\n`;
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const doc = await generateOpenApi();
  if (process.argv.includes('--check')) {
    const committed = existsSync(target) ? readFileSync(target, 'utf8') : '';
    if (committed !== doc) {
      process.stderr.write('apps/server/openapi.json differs from what the code generates: run `npm run openapi:generate` and commit the result.\n');
      process.exit(1);
    }
    process.stdout.write('openapi.json is up to date\n');
  } else {
    writeFileSync(target, doc);
    process.stdout.write(`wrote ${target}\n`);
  }
}
