import { sql, type Kysely, type MigrationSet } from '@openfoundry/db';
import { FILESYSTEM_CHANGES_CHANNEL } from './role-cache.js';

/** The `filesystem` schema: one tree of spaces, projects, folders and resources, and role grants. */
export const filesystemMigrations: MigrationSet = {
  schema: 'filesystem',
  migrations: {
    '0001_init': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('filesystem.resources')
          .addColumn('rid', 'text', (c) => c.primaryKey())
          .addColumn('org_rid', 'text', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('display_name', 'text', (c) => c.notNull())
          .addColumn('description', 'text')
          .addColumn('documentation', 'text')
          // NO ACTION (not RESTRICT): a permanent delete removes a whole subtree in one statement.
          .addColumn('parent_rid', 'text', (c) => c.references('filesystem.resources.rid'))
          .addColumn('space_rid', 'text', (c) => c.notNull())
          .addColumn('project_rid', 'text')
          .addColumn('ancestor_rids', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
          .addColumn('path', 'text', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_time', 'timestamptz', (c) => c.notNull())
          .addColumn('updated_by', 'text', (c) => c.notNull())
          .addColumn('updated_time', 'timestamptz', (c) => c.notNull())
          .addColumn('trashed_time', 'timestamptz')
          .addColumn('trashed_by', 'text')
          .addColumn('trash_status', 'text', (c) => c.notNull().defaultTo('NOT_TRASHED'))
          .addColumn('activity_time', 'timestamptz', (c) => c.notNull())
          .addCheckConstraint('resources_trash_status', sql`trash_status in ('NOT_TRASHED', 'DIRECTLY_TRASHED', 'ANCESTOR_TRASHED')`)
          .addCheckConstraint('resources_parent', sql`(type = 'SPACE') = (parent_rid is null)`)
          .execute();
        // Names are unique (case-insensitively) among siblings that are not themselves in the
        // trash. Children of a trashed folder keep their claim, so restoring the folder can never
        // produce duplicates; restoring a directly trashed node is checked against this index.
        // Spaces have no parent; they are unique per organization.
        await sql`create unique index resources_sibling_name on filesystem.resources
          (coalesce(parent_rid, org_rid), lower(display_name)) where trashed_time is null`.execute(db);
        await sql`create index resources_children on filesystem.resources (parent_rid, lower(display_name), rid)`.execute(db);
        await sql`create index resources_ancestors on filesystem.resources using gin (ancestor_rids)`.execute(db);
        await sql`create index resources_path on filesystem.resources (org_rid, path) where trash_status = 'NOT_TRASHED'`.execute(db);
        await sql`create index resources_projects_activity on filesystem.resources (org_rid, activity_time desc, rid desc) where type = 'PROJECT'`.execute(db);
        await sql`create index resources_trash on filesystem.resources (org_rid, trashed_time desc, rid desc) where trashed_time is not null`.execute(db);

        await db.schema
          .createTable('filesystem.spaces')
          .addColumn('rid', 'text', (c) => c.primaryKey().references('filesystem.resources.rid'))
          .addColumn('org_rid', 'text', (c) => c.notNull())
          .addColumn('enrollment_rid', 'text')
          .addColumn('usage_account_rid', 'text', (c) => c.notNull())
          .addColumn('file_system_id', 'text', (c) => c.notNull())
          .addColumn('organizations', sql`text[]`, (c) => c.notNull())
          .addColumn('deletion_policy_organizations', sql`text[]`, (c) => c.notNull())
          .addColumn('default_role_set_id', 'text', (c) => c.notNull())
          .addColumn('is_default', 'boolean', (c) => c.notNull().defaultTo(false))
          .execute();
        // At most one automatically created space per organization, even under concurrent first requests.
        await sql`create unique index spaces_default on filesystem.spaces (org_rid) where is_default`.execute(db);

        await db.schema
          .createTable('filesystem.role_grants')
          .addColumn('resource_rid', 'text', (c) => c.notNull().references('filesystem.resources.rid'))
          .addColumn('org_rid', 'text', (c) => c.notNull())
          .addColumn('principal_type', 'text', (c) => c.notNull())
          .addColumn('principal_id', 'text', (c) => c.notNull())
          .addColumn('role_id', 'text', (c) => c.notNull())
          .addColumn('granted_by', 'text', (c) => c.notNull())
          .addColumn('granted_time', 'timestamptz', (c) => c.notNull())
          .addPrimaryKeyConstraint('role_grants_pk', ['resource_rid', 'principal_type', 'principal_id', 'role_id'])
          .addCheckConstraint('role_grants_principal_type', sql`principal_type in ('USER', 'GROUP', 'EVERYONE')`)
          .addCheckConstraint('role_grants_everyone', sql`(principal_type = 'EVERYONE') = (principal_id = '')`)
          .execute();
        await sql`create index role_grants_principal on filesystem.role_grants (org_rid, principal_id)`.execute(db);
      },
    },
    '0002_role_changes': {
      // Replicas cache effective roles (role-cache.ts); every change that can alter one announces
      // itself on commit, whatever code path (or manual SQL) made it. Touching a resource's name,
      // activity or trash state does not change a role and stays quiet.
      async up(db: Kysely<any>) {
        await sql`create function filesystem.notify_role_change() returns trigger language plpgsql as $$
          begin perform pg_notify(${sql.lit(FILESYSTEM_CHANGES_CHANNEL)}, tg_table_name); return null; end $$`.execute(db);
        await sql`create trigger resources_role_change after insert or delete or update of rid, org_rid, type, parent_rid, ancestor_rids
          on filesystem.resources for each statement execute function filesystem.notify_role_change()`.execute(db);
        await sql`create trigger role_grants_role_change after insert or update or delete or truncate
          on filesystem.role_grants for each statement execute function filesystem.notify_role_change()`.execute(db);
      },
    },
  },
};
