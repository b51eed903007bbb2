import { sql, type Kysely, type MigrationSet } from '@openfoundry/db';

/** Where changes to ontology definitions and indexes are announced (payload: the table). */
export const ONTOLOGY_CHANGES_CHANNEL = 'ontology_changes';

/**
 * The `ontology` schema: ontologies, object/link/interface types, the state of each index and its
 * first invalid rows, temporary and saved object sets. The objects themselves live in tables the
 * indexer creates in the `ontology_index` schema, one per object type and index generation.
 */
export const ontologyMigrations: MigrationSet = {
  schema: 'ontology',
  migrations: {
    '0001_init': {
      async up(db: Kysely<any>) {
        await sql`create schema if not exists ontology_index`.execute(db);
        await db.schema
          .createTable('ontology.ontologies')
          .addColumn('rid', 'text', (c) => c.primaryKey())
          .addColumn('org_rid', 'text', (c) => c.notNull())
          .addColumn('api_name', 'text', (c) => c.notNull())
          .addColumn('display_name', 'text', (c) => c.notNull())
          .addColumn('description', 'text', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_time', 'timestamptz', (c) => c.notNull())
          .execute();
        await sql`create unique index ontologies_api_name on ontology.ontologies (org_rid, api_name)`.execute(db);

        await db.schema
          .createTable('ontology.object_types')
          .addColumn('rid', 'text', (c) => c.primaryKey())
          .addColumn('ontology_rid', 'text', (c) => c.notNull().references('ontology.ontologies.rid'))
          .addColumn('org_rid', 'text', (c) => c.notNull())
          .addColumn('api_name', 'text', (c) => c.notNull())
          .addColumn('definition', 'jsonb', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('dataset_rid', 'text', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_time', 'timestamptz', (c) => c.notNull())
          .addColumn('updated_by', 'text', (c) => c.notNull())
          .addColumn('updated_time', 'timestamptz', (c) => c.notNull())
          .execute();
        await sql`create unique index object_types_api_name on ontology.object_types (ontology_rid, api_name)`.execute(db);
        await sql`create index object_types_dataset on ontology.object_types (dataset_rid)`.execute(db);

        await db.schema
          .createTable('ontology.link_types')
          .addColumn('rid', 'text', (c) => c.primaryKey())
          .addColumn('ontology_rid', 'text', (c) => c.notNull().references('ontology.ontologies.rid'))
          .addColumn('org_rid', 'text', (c) => c.notNull())
          .addColumn('api_name', 'text', (c) => c.notNull())
          .addColumn('definition', 'jsonb', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('dataset_rid', 'text')
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_time', 'timestamptz', (c) => c.notNull())
          .addColumn('updated_by', 'text', (c) => c.notNull())
          .addColumn('updated_time', 'timestamptz', (c) => c.notNull())
          .execute();
        await sql`create unique index link_types_api_name on ontology.link_types (ontology_rid, api_name)`.execute(db);
        await sql`create index link_types_dataset on ontology.link_types (dataset_rid) where dataset_rid is not null`.execute(db);

        await db.schema
          .createTable('ontology.interface_types')
          .addColumn('rid', 'text', (c) => c.primaryKey())
          .addColumn('ontology_rid', 'text', (c) => c.notNull().references('ontology.ontologies.rid'))
          .addColumn('org_rid', 'text', (c) => c.notNull())
          .addColumn('api_name', 'text', (c) => c.notNull())
          .addColumn('definition', 'jsonb', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_time', 'timestamptz', (c) => c.notNull())
          .addColumn('updated_by', 'text', (c) => c.notNull())
          .addColumn('updated_time', 'timestamptz', (c) => c.notNull())
          .execute();
        await sql`create unique index interface_types_api_name on ontology.interface_types (ontology_rid, api_name)`.execute(db);

        // One row per index: an object type's objects, or a join-dataset link type's pairs.
        await db.schema
          .createTable('ontology.indexes')
          .addColumn('target_rid', 'text', (c) => c.primaryKey())
          .addColumn('org_rid', 'text', (c) => c.notNull())
          .addColumn('dataset_rid', 'text', (c) => c.notNull())
          .addColumn('branch_name', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          // The table readers use and what it holds: the definition version and dataset transaction it was built from.
          .addColumn('active_table', 'text')
          .addColumn('active_columns', 'jsonb')
          .addColumn('indexed_version', 'integer')
          .addColumn('indexed_transaction_rid', 'text')
          .addColumn('generation', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('object_count', 'bigint', (c) => c.notNull().defaultTo(0))
          .addColumn('invalid_count', 'bigint', (c) => c.notNull().defaultTo(0))
          // Rows left out for a null or repeated key: an incremental index cannot tell whether new rows repeat them.
          .addColumn('key_conflicts', 'bigint', (c) => c.notNull().defaultTo(0))
          .addColumn('last_error', 'jsonb')
          .addColumn('last_mode', 'text')
          .addColumn('last_duration_ms', 'integer')
          .addColumn('lease_owner', 'text')
          .addColumn('lease_until', 'timestamptz')
          .addColumn('updated_time', 'timestamptz', (c) => c.notNull())
          .addCheckConstraint('indexes_status', sql`status in ('PENDING', 'INDEXING', 'READY', 'FAILED')`)
          .execute();
        await sql`create index indexes_dataset on ontology.indexes (dataset_rid)`.execute(db);

        await db.schema
          .createTable('ontology.index_errors')
          .addColumn('target_rid', 'text', (c) => c.notNull())
          .addColumn('ordinal', 'integer', (c) => c.notNull())
          .addColumn('primary_key', 'text')
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('row_values', 'jsonb', (c) => c.notNull())
          .addPrimaryKeyConstraint('index_errors_pk', ['target_rid', 'ordinal'])
          .execute();

        await db.schema
          .createTable('ontology.object_sets')
          .addColumn('rid', 'text', (c) => c.primaryKey())
          .addColumn('org_rid', 'text', (c) => c.notNull())
          .addColumn('ontology_rid', 'text', (c) => c.notNull())
          .addColumn('owner_id', 'text', (c) => c.notNull())
          // Temporary sets (Foundry's createTemporary) expire; saved ones have a name and are shared.
          .addColumn('name', 'text')
          .addColumn('description', 'text')
          .addColumn('object_set', 'jsonb', (c) => c.notNull())
          .addColumn('created_time', 'timestamptz', (c) => c.notNull())
          .addColumn('updated_time', 'timestamptz', (c) => c.notNull())
          .addColumn('expires_time', 'timestamptz')
          .execute();
        await sql`create index object_sets_saved on ontology.object_sets (ontology_rid, name) where name is not null`.execute(db);

        // Replicas cache ontology definitions and index rows; every change announces itself on commit.
        await sql`create function ontology.notify_change() returns trigger language plpgsql as $$
          begin perform pg_notify(${sql.lit(ONTOLOGY_CHANGES_CHANNEL)}, tg_table_name); return null; end $$`.execute(db);
        for (const table of ['ontologies', 'object_types', 'link_types', 'interface_types', 'indexes']) {
          await sql`create trigger ${sql.id(`${table}_changed`)} after insert or update or delete on ${sql.id('ontology')}.${sql.id(table)}
            for each statement execute function ontology.notify_change()`.execute(db);
        }
      },
    },
  },
};
