import { sql, type Kysely, type Migration } from '@openfoundry/db';

/**
 * `0002_oauth_oidc`: OAuth2 clients, authorization codes and grants (the tokens themselves live in
 * `identity.tokens` with the personal access tokens), and OIDC identity providers, their subject
 * links and pending sign-in states.
 */
export const oauthOidcMigration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('identity.oauth_clients')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('client_id', 'text', (c) => c.notNull().unique())
      .addColumn('org_rid', 'text', (c) => c.notNull().references('identity.organizations.rid'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull().check(sql`type in ('CONFIDENTIAL', 'PUBLIC')`))
      .addColumn('secret_hash', 'text')
      .addColumn('redirect_uris', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
      .addColumn('allowed_scopes', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
      .addColumn('grant_types', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
      .addColumn('service_user_id', 'uuid', (c) => c.references('identity.users.id'))
      .addColumn('created_by', 'uuid')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
      .addColumn('secret_rotated_at', 'timestamptz')
      .addColumn('deleted_at', 'timestamptz')
      // A confidential client always has a secret and a service user; a public one neither.
      .addCheckConstraint(
        'oauth_clients_kind_shape',
        sql`(type = 'CONFIDENTIAL' and secret_hash is not null and service_user_id is not null) or (type = 'PUBLIC' and secret_hash is null and service_user_id is null)`,
      )
      .execute();
    await db.schema.createIndex('oauth_clients_org_created').on('identity.oauth_clients').columns(['org_rid', 'created_at', 'id']).execute();

    await db.schema
      .createTable('identity.oauth_codes')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('code_hash', 'text', (c) => c.notNull().unique())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('org_rid', 'text', (c) => c.notNull())
      .addColumn('user_id', 'uuid', (c) => c.notNull().references('identity.users.id'))
      .addColumn('redirect_uri', 'text', (c) => c.notNull())
      .addColumn('scopes', sql`text[]`, (c) => c.notNull())
      .addColumn('code_challenge', 'text')
      .addColumn('code_challenge_method', 'text')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .addColumn('used_at', 'timestamptz')
      .addColumn('grant_id', 'uuid')
      .execute();
    await db.schema.createIndex('oauth_codes_expires').on('identity.oauth_codes').columns(['expires_at']).execute();

    // One user's authorization of one client: the family of access and refresh tokens it
    // produced point at it (tokens.parent_id), so revoking it revokes all of them.
    await db.schema
      .createTable('identity.oauth_grants')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('org_rid', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'uuid', (c) => c.notNull().references('identity.users.id'))
      .addColumn('scopes', sql`text[]`, (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('revoked_at', 'timestamptz')
      .execute();
    await db.schema.createIndex('oauth_grants_client').on('identity.oauth_grants').columns(['client_id']).execute();
    await db.schema.createIndex('tokens_parent').on('identity.tokens').columns(['parent_id']).execute();

    await db.schema
      .createTable('identity.identity_providers')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('org_rid', 'text', (c) => c.notNull().references('identity.organizations.rid'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('issuer', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('client_secret_enc', 'text', (c) => c.notNull())
      .addColumn('scopes', sql`text[]`, (c) => c.notNull())
      .addColumn('claim_email', 'text', (c) => c.notNull())
      .addColumn('claim_username', 'text', (c) => c.notNull())
      .addColumn('claim_given_name', 'text', (c) => c.notNull())
      .addColumn('claim_family_name', 'text', (c) => c.notNull())
      .addColumn('claim_groups', 'text')
      .addColumn('show_on_login_page', 'boolean', (c) => c.notNull())
      .addColumn('email_domains', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
      .addColumn('jit_provisioning', 'boolean', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
      .addColumn('deleted_at', 'timestamptz')
      .execute();
    await db.schema.createIndex('identity_providers_org_created').on('identity.identity_providers').columns(['org_rid', 'created_at', 'id']).execute();

    await db.schema
      .createTable('identity.sso_links')
      .addColumn('provider_id', 'uuid', (c) => c.notNull().references('identity.identity_providers.id'))
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('user_id', 'uuid', (c) => c.notNull().references('identity.users.id'))
      .addColumn('org_rid', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('last_login_at', 'timestamptz', (c) => c.notNull())
      .addPrimaryKeyConstraint('sso_links_pk', ['provider_id', 'subject'])
      .execute();
    await db.schema.createIndex('sso_links_user').on('identity.sso_links').columns(['user_id']).execute();

    await db.schema
      .createTable('identity.sso_login_states')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('state_hash', 'text', (c) => c.notNull().unique())
      .addColumn('binding_hash', 'text', (c) => c.notNull())
      .addColumn('provider_id', 'uuid', (c) => c.notNull().references('identity.identity_providers.id'))
      .addColumn('nonce', 'text', (c) => c.notNull())
      .addColumn('code_verifier_enc', 'text', (c) => c.notNull())
      .addColumn('return_to', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .addColumn('used_at', 'timestamptz')
      .execute();
    await db.schema.createIndex('sso_login_states_expires').on('identity.sso_login_states').columns(['expires_at']).execute();
  },
};
