import { sql, type Kysely, type MigrationSet } from '@openfoundry/db';

/** The `sql` schema: query executions (status, pinned inputs, where results are) and saved queries. */
export const sqlMigrations: MigrationSet = {
  schema: 'sql',
  migrations: {
    '0001_init': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('sql.queries')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('org_rid', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('query', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('error', 'jsonb')
          .addColumn('inputs', 'jsonb', (c) => c.notNull())
          .addColumn('row_count', 'bigint')
          .addColumn('truncated', 'boolean', (c) => c.notNull().defaultTo(false))
          .addColumn('results_key', 'text')
          .addColumn('created_time', 'timestamptz', (c) => c.notNull())
          .addColumn('finished_time', 'timestamptz')
          .addCheckConstraint('queries_status', sql`status in ('RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELED')`)
          .execute();
        await sql`create index queries_user on sql.queries (org_rid, user_id, created_time desc)`.execute(db);
        await sql`create index queries_created on sql.queries (created_time)`.execute(db);

        await db.schema
          .createTable('sql.saved_queries')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('org_rid', 'text', (c) => c.notNull())
          .addColumn('owner_id', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('query', 'text', (c) => c.notNull())
          .addColumn('created_time', 'timestamptz', (c) => c.notNull())
          .addColumn('updated_time', 'timestamptz', (c) => c.notNull())
          .execute();
        await sql`create unique index saved_queries_name on sql.saved_queries (org_rid, owner_id, lower(name))`.execute(db);
      },
    },
  },
};
