import { sql, type Kysely, type MigrationSet } from '@openfoundry/db';
import { oauthOidcMigration } from './oauth/oauth-oidc.migration.js';
import { authCacheTriggersMigration } from './auth-cache.migration.js';

/**
 * The identity schema. Tokens of every kind share one table so that OAuth access and refresh
 * tokens (added by a later migration's routes) are verified and revoked by the same code as
 * personal access tokens.
 */
export const identityMigrations: MigrationSet = {
  schema: 'identity',
  migrations: {
    '0001_init': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('identity.organizations')
          .addColumn('rid', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('description', 'text')
          .addColumn('host', 'text')
          .addColumn('marking_id', 'uuid', (c) => c.notNull())
          .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
          .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
          .execute();

        await db.schema
          .createTable('identity.users')
          .addColumn('id', 'uuid', (c) => c.primaryKey())
          .addColumn('org_rid', 'text', (c) => c.notNull().references('identity.organizations.rid'))
          .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('user', 'service')`))
          .addColumn('username', 'text', (c) => c.notNull())
          .addColumn('email', 'text')
          .addColumn('given_name', 'text')
          .addColumn('family_name', 'text')
          .addColumn('realm', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('ACTIVE', 'DELETED')`))
          .addColumn('is_org_admin', 'boolean', (c) => c.notNull().defaultTo(false))
          .addColumn('password_hash', 'text')
          .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
          .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
          .execute();
        // Deleted users keep their row (ids stay resolvable) but free their email and username.
        await sql`create unique index users_email_active on identity.users (lower(email)) where status = 'ACTIVE' and email is not null`.execute(db);
        await sql`create unique index users_username_active on identity.users (lower(username)) where status = 'ACTIVE'`.execute(db);
        await db.schema.createIndex('users_org_id').on('identity.users').columns(['org_rid', 'id']).execute();

        await db.schema
          .createTable('identity.groups')
          .addColumn('id', 'uuid', (c) => c.primaryKey())
          .addColumn('org_rid', 'text', (c) => c.notNull().references('identity.organizations.rid'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('description', 'text')
          .addColumn('realm', 'text', (c) => c.notNull())
          .addColumn('attributes', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
          .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
          .execute();
        await sql`create unique index groups_org_name on identity.groups (org_rid, lower(name))`.execute(db);
        await db.schema.createIndex('groups_org_id').on('identity.groups').columns(['org_rid', 'id']).execute();

        await db.schema
          .createTable('identity.group_members')
          .addColumn('group_id', 'uuid', (c) => c.notNull().references('identity.groups.id').onDelete('cascade'))
          .addColumn('principal_id', 'uuid', (c) => c.notNull())
          .addColumn('principal_type', 'text', (c) => c.notNull().check(sql`principal_type in ('USER', 'GROUP')`))
          .addColumn('expiration', 'timestamptz')
          .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
          .addPrimaryKeyConstraint('group_members_pk', ['group_id', 'principal_id'])
          .execute();
        await db.schema.createIndex('group_members_principal').on('identity.group_members').columns(['principal_id']).execute();

        await db.schema
          .createTable('identity.tokens')
          .addColumn('id', 'uuid', (c) => c.primaryKey())
          .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('pat', 'oauth_access', 'oauth_refresh')`))
          .addColumn('user_id', 'uuid', (c) => c.notNull().references('identity.users.id'))
          .addColumn('org_rid', 'text', (c) => c.notNull())
          .addColumn('client_id', 'text')
          .addColumn('name', 'text')
          .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
          .addColumn('scopes', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
          .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
          .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
          .addColumn('revoked_at', 'timestamptz')
          .addColumn('last_used_at', 'timestamptz')
          // An access token issued from a refresh token points at it, so revoking the refresh
          // token (or detecting its reuse) can revoke what it produced.
          .addColumn('parent_id', 'uuid')
          .execute();
        await db.schema.createIndex('tokens_user_kind').on('identity.tokens').columns(['user_id', 'kind', 'created_at']).execute();
        await db.schema.createIndex('tokens_client').on('identity.tokens').columns(['client_id']).execute();

        await db.schema
          .createTable('identity.sessions')
          .addColumn('id', 'uuid', (c) => c.primaryKey())
          .addColumn('user_id', 'uuid', (c) => c.notNull().references('identity.users.id'))
          .addColumn('org_rid', 'text', (c) => c.notNull())
          .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
          .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
          .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
          .addColumn('revoked_at', 'timestamptz')
          .addColumn('client_ip', 'text')
          .addColumn('user_agent', 'text')
          .execute();
        await db.schema.createIndex('sessions_user').on('identity.sessions').columns(['user_id']).execute();

        await db.schema
          .createTable('identity.setup_tokens')
          .addColumn('id', 'uuid', (c) => c.primaryKey())
          .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
          .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
          .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
          .addColumn('used_at', 'timestamptz')
          .execute();

        await db.schema
          .createTable('identity.login_throttle')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('failures', 'integer', (c) => c.notNull())
          .addColumn('window_start', 'timestamptz', (c) => c.notNull())
          .addColumn('locked_until', 'timestamptz')
          .execute();
      },
    },
    '0002_oauth_oidc': oauthOidcMigration,
    '0003_auth_change_notifications': authCacheTriggersMigration,
  },
};
