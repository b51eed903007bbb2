import { sql, type Kysely, type MigrationSet } from '@openfoundry/db';

export const auditMigrations: MigrationSet = {
  schema: 'audit',
  migrations: {
    '0001_init': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('audit.events')
          .addColumn('id', 'uuid', (c) => c.primaryKey())
          .addColumn('chain', 'text', (c) => c.notNull())
          .addColumn('seq', 'bigint', (c) => c.notNull())
          .addColumn('time', 'timestamptz', (c) => c.notNull())
          .addColumn('org_rid', 'text')
          .addColumn('actor_kind', 'text', (c) => c.notNull())
          .addColumn('actor_id', 'text')
          .addColumn('category', 'text', (c) => c.notNull())
          .addColumn('outcome', 'text', (c) => c.notNull())
          .addColumn('resource_rids', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
          .addColumn('request_id', 'text')
          .addColumn('client_ip', 'text')
          .addColumn('user_agent', 'text')
          .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
          .addColumn('prev_hash', 'text', (c) => c.notNull())
          .addColumn('hash', 'text', (c) => c.notNull())
          .addColumn('inserted_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
          .execute();
        // Not unique on purpose: verification must be able to see (and report) a duplicated sequence.
        await db.schema.createIndex('events_chain_seq').on('audit.events').columns(['chain', 'seq']).execute();
        await db.schema.createIndex('events_org_time').on('audit.events').columns(['org_rid', 'time', 'id']).execute();
        await sql`create index events_resource_rids on audit.events using gin (resource_rids)`.execute(db);
        await db.schema
          .createTable('audit.chain_heads')
          .addColumn('chain', 'text', (c) => c.primaryKey())
          .addColumn('seq', 'bigint', (c) => c.notNull())
          .addColumn('hash', 'text', (c) => c.notNull())
          .execute();
      },
    },
    '0002_gin_without_pending_list': {
      // With GIN's fast update, inserts queue their entries in a pending list that the insert which
      // fills it (4 MB) merges into the index, holding up that statement for tens of milliseconds;
      // every read waits for its audit batch, so one slow batch delays every read behind it.
      // Entries are now written to the index directly, at an even cost per insert.
      async up(db: Kysely<any>) {
        await sql`alter index audit.events_resource_rids set (fastupdate = off)`.execute(db);
        await sql`select gin_clean_pending_list('audit.events_resource_rids'::regclass)`.execute(db);
      },
    },
  },
};
