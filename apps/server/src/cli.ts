import { createInterface } from 'node:readline';
import { Command, Option } from 'commander';
import { ConfigError, parseDuration } from '@openfoundry/kernel';
import { migrate } from '@openfoundry/db';
import { loadConfig, type RawServerConfig, type ServerConfig } from './config.js';
import { createServer, openPlatform, VERSION, type Platform } from './platform.js';
import { acquireLock } from './lock.js';
import { importFile } from './import-client.js';
import { applyOntologyFile, exportOntology } from './ontology-client.js';

type Flags = Partial<Record<keyof RawServerConfig, string>>;

function configFrom(flags: Flags): ServerConfig {
  try {
    return loadConfig(undefined, flags);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
}

/** Runs an offline command against the platform's database, holding the embedded data directory's lock. */
async function withPlatform<T>(flags: Flags, fn: (p: Platform) => Promise<T>, options: { migrate?: boolean } = {}): Promise<T> {
  const config = configFrom(flags);
  const release = config.databaseUrl ? () => {} : acquireLock(config.dataDir);
  try {
    const platform = await openPlatform(config, { migrate: options.migrate ?? true });
    try {
      return await fn(platform);
    } finally {
      await platform.close();
    }
  } finally {
    release();
  }
}

async function readSecretFromStdin(prompt: string): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write(prompt);
  const rl = createInterface({ input: process.stdin, terminal: false });
  for await (const line of rl) {
    rl.close();
    return line.replace(/\r$/, '');
  }
  return '';
}

const dbOptions = (cmd: Command) =>
  cmd
    .addOption(new Option('--data-dir <dir>', 'embedded data directory (OPENFOUNDRY_DATA_DIR)'))
    .addOption(new Option('--database-url <url>', 'PostgreSQL URL (DATABASE_URL)'));

const program = new Command('openfoundry').version(VERSION).description('OpenFoundry: open operational data platform');

dbOptions(
  program
    .command('serve', { isDefault: true })
    .description('start the server')
    .addOption(new Option('--port <port>', 'port to listen on (PORT)'))
    .addOption(new Option('--host <host>', 'address to listen on (HOST)'))
    .addOption(new Option('--log-level <level>', 'log level (OPENFOUNDRY_LOG_LEVEL)')),
).action(async (opts: Flags) => {
  const config = configFrom(opts);
  const release = config.databaseUrl ? () => {} : acquireLock(config.dataDir);
  // Signal handlers go in before anything starts: a SIGTERM during start-up (or right after the
  // "running" line, which a supervisor may act on at once) must still shut down cleanly.
  const running: { server?: Awaited<ReturnType<typeof createServer>> } = {};
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    if (!running.server) return; // start-up checks `stopping` when it finishes
    running.server.app.log.info({ signal }, 'shutting down');
    // Fastify stops accepting connections and waits for in-flight requests before resolving.
    await running.server.close();
    release();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  const server = await createServer(config).catch((e) => {
    release();
    throw e;
  });
  running.server = server;
  if (stopping) {
    await server.close();
    release();
    process.exit(0);
  }
  // The first admin (or the setup token) exists before the server answers /ready, so a
  // supervisor or script that waits for /ready can sign in at once.
  const { identity } = server.platform;
  let signIn: (base: string) => string;
  if (!(await identity.bootstrap.hasUsers())) {
    if (config.adminEmail && config.adminPassword) {
      await identity.bootstrap.createOrganizationWithAdmin({ orgName: config.adminOrg, email: config.adminEmail, password: config.adminPassword });
      signIn = () => `Sign in as ${config.adminEmail} with the password from OPENFOUNDRY_ADMIN_PASSWORD.`;
    } else {
      const token = await identity.bootstrap.createSetupToken();
      signIn = (base) => `No users yet. Open this one-time setup link to create the first organization and admin:\n  ${base}/setup?token=${token}`;
    }
  } else {
    signIn = () => 'Sign in with your account.';
  }
  const url = await server.listen();
  // With an ephemeral port and no configured public URL, the link must carry the real port.
  const base = config.port === 0 && !config.publicUrlConfigured ? url : config.publicUrl;
  process.stdout.write(`OpenFoundry ${VERSION} is running at ${url}\n${signIn(base)}\n`);
});

dbOptions(program.command('migrate').description('apply pending database migrations and exit')).action(async (opts: Flags) => {
  await withPlatform(
    opts,
    async (p) => {
      const reports = await migrate(p.database.db, p.migrations);
      for (const r of reports) process.stdout.write(`${r.schema}: ${r.applied.length ? `applied ${r.applied.join(', ')}` : 'up to date'}\n`);
    },
    { migrate: false },
  );
});

const admin = program.command('admin').description('administration');
dbOptions(
  admin
    .command('create')
    .description('create an organization and its first admin; reads the password from stdin')
    .requiredOption('--org <name>', 'organization name')
    .requiredOption('--email <email>', 'admin email'),
).action(async (opts: Flags & { org: string; email: string }) => {
  const password = await readSecretFromStdin('Password: ');
  await withPlatform(opts, async (p) => {
    const r = await p.identity.bootstrap.createOrganizationWithAdmin({ orgName: opts.org, email: opts.email, password });
    process.stdout.write(`created organization ${r.orgRid} and admin ${opts.email} (${r.userId})\n`);
  });
});

const token = program.command('token').description('personal access tokens');
dbOptions(
  token
    .command('create')
    .description('create a personal access token for a user and print it to stdout')
    .requiredOption('--email <email>', 'the user')
    .requiredOption('--name <name>', 'token name')
    .option('--expires-in <duration>', 'lifetime, e.g. 30d or 12h', '30d')
    .option('--scopes <scopes>', 'comma-separated scopes (default: all)'),
).action(async (opts: Flags & { email: string; name: string; expiresIn: string; scopes?: string }) => {
  const expiresInMs = parseDuration(opts.expiresIn);
  if (!expiresInMs) {
    process.stderr.write(`--expires-in: '${opts.expiresIn}' is not a duration like 30d or 12h\n`);
    process.exit(1);
  }
  await withPlatform(opts, async (p) => {
    const t = await p.identity.bootstrap.createPersonalAccessToken({
      email: opts.email,
      name: opts.name,
      expiresInMs,
      scopes: opts.scopes?.split(',').map((s) => s.trim()).filter(Boolean),
    });
    process.stdout.write(`${t.token}\n`);
  });
});

const audit = program.command('audit').description('audit trail');
dbOptions(audit.command('verify').description('verify the hash chains of the audit trail').option('--org <rid>', 'only this organization')).action(
  async (opts: Flags & { org?: string }) => {
    const ok = await withPlatform(opts, async (p) => {
      const reports = await p.audit.verify(opts.org ? { chain: opts.org } : {});
      let allOk = true;
      for (const r of reports) {
        allOk &&= r.ok;
        process.stdout.write(`${r.ok ? 'OK  ' : 'FAIL'} ${r.chain}: ${r.events} events${r.ok ? '' : `, ${r.problems.length} problem(s)`}\n`);
        for (const pr of r.problems) process.stdout.write(`     - ${pr.message}\n`);
      }
      if (!reports.length) process.stdout.write('no audit events\n');
      return allOk;
    });
    process.exit(ok ? 0 : 1);
  },
);

const dataset = program.command('dataset').description('datasets');
dataset
  .command('import')
  .description('import a CSV, TSV, JSON Lines, JSON or Parquet file into a dataset (created when missing), with progress')
  .argument('<file>', 'the file to import')
  .requiredOption('--to <path>', 'dataset path, e.g. /Default/Project/sales')
  .addOption(new Option('--url <url>', 'server URL').env('OPENFOUNDRY_URL').default('http://127.0.0.1:8080'))
  .addOption(new Option('--token <token>', 'personal access token').env('OPENFOUNDRY_TOKEN').makeOptionMandatory())
  .addOption(new Option('--format <format>', 'file format (default: from the extension)').choices(['csv', 'tsv', 'jsonl', 'json', 'parquet']))
  .addOption(new Option('--transaction-type <type>', 'SNAPSHOT replaces the data, APPEND adds to it').choices(['SNAPSHOT', 'APPEND', 'UPDATE']).default('SNAPSHOT'))
  .option('--branch <name>', 'branch to write (default: the dataset’s default branch)')
  .option('--delimiter <char>', 'CSV delimiter (default: detected)')
  .action(async (file: string, opts: { to: string; url: string; token: string; format?: string; transactionType: 'SNAPSHOT' | 'APPEND' | 'UPDATE'; branch?: string; delimiter?: string }) => {
    const r = await importFile({ ...opts, file, progress: process.stderr });
    process.stdout.write(`imported ${r.rowCount} rows into ${opts.to} (${r.datasetRid}), transaction ${r.transactionRid}\n`);
  });

const ontology = program.command('ontology').description('ontologies as code');
ontology
  .command('apply')
  .description('plan a YAML or JSON document of object, link and interface types, print the plan, and apply it (idempotent)')
  .argument('<file>', 'the ontology document (.yaml, .yml or .json)')
  .requiredOption('--ontology <rid-or-api-name>', 'the ontology to apply it to')
  .addOption(new Option('--url <url>', 'server URL').env('OPENFOUNDRY_URL').default('http://127.0.0.1:8080'))
  .addOption(new Option('--token <token>', 'personal access token').env('OPENFOUNDRY_TOKEN').makeOptionMandatory())
  .option('--dry-run', 'only print the plan', false)
  .option('--prune', 'delete the types the document does not name', false)
  .option('--allow-breaking-changes', 'apply even when a change breaks existing objects or clients', false)
  .action(async (file: string, opts: { ontology: string; url: string; token: string; dryRun: boolean; prune: boolean; allowBreakingChanges: boolean }) => {
    const r = await applyOntologyFile({ ...opts, file });
    process.stdout.write(r.plan);
    if (r.applied) process.stdout.write('applied\n');
  });
ontology
  .command('export')
  .description('print the ontology as code (the types you can read), a document `ontology apply` takes back unchanged')
  .requiredOption('--ontology <rid-or-api-name>', 'the ontology to export')
  .addOption(new Option('--format <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
  .addOption(new Option('--url <url>', 'server URL').env('OPENFOUNDRY_URL').default('http://127.0.0.1:8080'))
  .addOption(new Option('--token <token>', 'personal access token').env('OPENFOUNDRY_TOKEN').makeOptionMandatory())
  .action(async (opts: { ontology: string; url: string; token: string; format: 'yaml' | 'json' }) => {
    process.stdout.write(await exportOntology(opts));
  });

const datasets = program.command('datasets').description('dataset storage upkeep');
dbOptions(
  datasets.command('gc').description('delete blobs no dataset file references (aborted uploads, deleted datasets) and stale incomplete writes').option('--grace <duration>', 'keep blobs younger than this', '1h'),
).action(async (opts: Flags & { grace: string }) => {
  const graceMs = parseDuration(opts.grace);
  if (graceMs === undefined) {
    process.stderr.write(`--grace: '${opts.grace}' is not a duration like 1h or 30m\n`);
    process.exit(1);
  }
  await withPlatform(opts, async (p) => {
    const r = await p.datasets.collectGarbage({ graceMs });
    process.stdout.write(`deleted ${r.deletedBlobs} unreferenced blob(s), swept ${r.sweptIncomplete} incomplete write(s)\n`);
  });
});

program.parseAsync(process.argv).catch((e: Error) => {
  process.stderr.write(`error: ${e.message}\n`);
  process.exit(1);
});
