import { sql, type Kysely, type Migration } from '@openfoundry/db';

/** The channel on which identity changes that affect authentication are announced. */
export const AUTH_CHANGES_CHANNEL = 'identity_auth_changes';

/**
 * Triggers that announce every change which can alter an authentication result: a token or
 * session revoked or re-dated, a user changed or deleted, group membership changed. The
 * notification is sent by PostgreSQL on commit to every replica, whatever code path (or manual
 * SQL) made the change, so cached principals can never outlive a revocation.
 * Payloads: `user:<uuid>` for one user, `*` for anything wider (groups nest).
 */
export const authCacheTriggersMigration: Migration = {
  async up(db: Kysely<any>) {
    await sql`
      create function identity.notify_auth_change() returns trigger language plpgsql as $$
      begin
        if tg_table_name in ('tokens', 'sessions') then
          perform pg_notify(${sql.lit(AUTH_CHANGES_CHANNEL)}, 'user:' || coalesce(new.user_id, old.user_id)::text);
        elsif tg_table_name = 'users' then
          perform pg_notify(${sql.lit(AUTH_CHANGES_CHANNEL)}, 'user:' || coalesce(new.id, old.id)::text);
        else
          perform pg_notify(${sql.lit(AUTH_CHANGES_CHANNEL)}, '*');
        end if;
        return null;
      end $$`.execute(db);
    // last_used_at is touched on use; only changes to validity matter.
    await sql`create trigger tokens_auth_change after update on identity.tokens for each row
      when (old.revoked_at is distinct from new.revoked_at or old.expires_at is distinct from new.expires_at
            or old.scopes is distinct from new.scopes or old.user_id is distinct from new.user_id)
      execute function identity.notify_auth_change()`.execute(db);
    await sql`create trigger tokens_auth_delete after delete on identity.tokens for each row execute function identity.notify_auth_change()`.execute(db);
    await sql`create trigger sessions_auth_change after update on identity.sessions for each row
      when (old.revoked_at is distinct from new.revoked_at or old.expires_at is distinct from new.expires_at)
      execute function identity.notify_auth_change()`.execute(db);
    await sql`create trigger sessions_auth_delete after delete on identity.sessions for each row execute function identity.notify_auth_change()`.execute(db);
    await sql`create trigger users_auth_change after update or delete on identity.users for each row execute function identity.notify_auth_change()`.execute(db);
    await sql`create trigger group_members_auth_change after insert or update or delete on identity.group_members for each statement execute function identity.notify_auth_change()`.execute(db);
    await sql`create trigger groups_auth_change after delete on identity.groups for each statement execute function identity.notify_auth_change()`.execute(db);
  },
};
