import { sql, type Kysely, type MigrationSet } from '@openfoundry/db';

/** The `datasets` schema: datasets, branches, transactions, the files each transaction wrote, schema versions. */
export const datasetsMigrations: MigrationSet = {
  schema: 'datasets',
  migrations: {
    '0001_init': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('datasets.datasets')
          .addColumn('rid', 'text', (c) => c.primaryKey())
          .addColumn('org_rid', 'text', (c) => c.notNull())
          .addColumn('default_branch', 'text', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_time', 'timestamptz', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('datasets.transactions')
          .addColumn('rid', 'text', (c) => c.primaryKey())
          .addColumn('dataset_rid', 'text', (c) => c.notNull().references('datasets.datasets.rid'))
          .addColumn('org_rid', 'text', (c) => c.notNull())
          .addColumn('branch_name', 'text', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('parent_rid', 'text', (c) => c.references('datasets.transactions.rid'))
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_time', 'timestamptz', (c) => c.notNull())
          .addColumn('closed_by', 'text')
          .addColumn('closed_time', 'timestamptz')
          .addCheckConstraint('transactions_type', sql`type in ('SNAPSHOT', 'APPEND', 'UPDATE', 'DELETE')`)
          .addCheckConstraint('transactions_status', sql`status in ('OPEN', 'COMMITTED', 'ABORTED')`)
          .execute();
        // Foundry allows one open transaction per branch; the index makes that hold under races.
        await sql`create unique index transactions_one_open on datasets.transactions (dataset_rid, branch_name) where status = 'OPEN'`.execute(db);
        await sql`create index transactions_dataset on datasets.transactions (dataset_rid, created_time desc, rid desc)`.execute(db);

        await db.schema
          .createTable('datasets.branches')
          .addColumn('dataset_rid', 'text', (c) => c.notNull().references('datasets.datasets.rid'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('org_rid', 'text', (c) => c.notNull())
          .addColumn('head_transaction_rid', 'text', (c) => c.references('datasets.transactions.rid'))
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_time', 'timestamptz', (c) => c.notNull())
          .addPrimaryKeyConstraint('branches_pk', ['dataset_rid', 'name'])
          .execute();

        await db.schema
          .createTable('datasets.files')
          .addColumn('transaction_rid', 'text', (c) => c.notNull().references('datasets.transactions.rid'))
          .addColumn('path', 'text', (c) => c.notNull())
          .addColumn('dataset_rid', 'text', (c) => c.notNull())
          .addColumn('blob_key', 'text')
          .addColumn('size_bytes', 'bigint', (c) => c.notNull())
          .addColumn('sha256', 'text')
          .addColumn('row_count', 'bigint')
          .addColumn('schema', 'jsonb')
          .addColumn('updated_time', 'timestamptz', (c) => c.notNull())
          .addPrimaryKeyConstraint('files_pk', ['transaction_rid', 'path'])
          .execute();
        // Garbage collection asks "is this blob still referenced?".
        await sql`create index files_blob on datasets.files (blob_key) where blob_key is not null`.execute(db);
        await sql`create index files_dataset on datasets.files (dataset_rid)`.execute(db);

        await db.schema
          .createTable('datasets.schemas')
          .addColumn('version_id', 'text', (c) => c.primaryKey())
          .addColumn('dataset_rid', 'text', (c) => c.notNull())
          .addColumn('transaction_rid', 'text', (c) => c.notNull().references('datasets.transactions.rid'))
          .addColumn('schema', 'jsonb', (c) => c.notNull())
          .addColumn('dataframe_reader', 'text')
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_time', 'timestamptz', (c) => c.notNull())
          .execute();
        await sql`create index schemas_transaction on datasets.schemas (transaction_rid, created_time desc)`.execute(db);
      },
    },
  },
};
