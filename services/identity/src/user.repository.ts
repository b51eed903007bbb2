import { sql, type Executor, type Selectable } from '@openfoundry/db';
import type { IdentityTables, UserKind, UserStatus } from './identity.types.js';

export type UserRow = Selectable<IdentityTables['identity.users']>;

export interface NewUserRow {
  id: string;
  org_rid: string;
  kind: UserKind;
  username: string;
  email: string | null;
  given_name: string | null;
  family_name: string | null;
  realm: string;
  is_org_admin: boolean;
  password_hash: string | null;
}

/** Escapes LIKE wildcards so user input is matched literally. */
export function likePrefix(value: string): string {
  return `${value.replace(/[\\%_]/g, '\\$&')}%`;
}

/** SQL for `identity.users`. Every read is scoped to one organization by the caller's org RID. */
export class UserRepository {
  async insert(db: Executor<IdentityTables>, row: NewUserRow, now: Date): Promise<UserRow> {
    return db
      .insertInto('identity.users')
      .values({ ...row, status: 'ACTIVE', created_at: now, updated_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async anyExists(db: Executor<IdentityTables>): Promise<boolean> {
    const r = await db.selectFrom('identity.users').select('id').limit(1).executeTakeFirst();
    return !!r;
  }

  /** A user by id without org scoping: only for authentication, where the credential names the user. */
  async findById(db: Executor<IdentityTables>, id: string): Promise<UserRow | undefined> {
    return db.selectFrom('identity.users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findInOrg(db: Executor<IdentityTables>, orgRid: string, id: string): Promise<UserRow | undefined> {
    return db.selectFrom('identity.users').selectAll().where('org_rid', '=', orgRid).where('id', '=', id).executeTakeFirst();
  }

  async findManyInOrg(db: Executor<IdentityTables>, orgRid: string, ids: string[]): Promise<UserRow[]> {
    if (!ids.length) return [];
    return db.selectFrom('identity.users').selectAll().where('org_rid', '=', orgRid).where('id', 'in', ids).execute();
  }

  /** The active account an email signs in to (emails are unique among active users). */
  async findActiveByEmail(db: Executor<IdentityTables>, email: string): Promise<UserRow | undefined> {
    return db
      .selectFrom('identity.users')
      .selectAll()
      .where(sql<string>`lower(email)`, '=', email.toLowerCase())
      .where('status', '=', 'ACTIVE')
      .executeTakeFirst();
  }

  /** Which of `email` / `username` already belong to an active user (for a clear 409). */
  async findConflicts(db: Executor<IdentityTables>, email: string | null, username: string, exceptId?: string): Promise<{ email: boolean; username: boolean }> {
    let q = db
      .selectFrom('identity.users')
      .select(['email', 'username'])
      .where('status', '=', 'ACTIVE')
      .where((eb) =>
        eb.or([
          ...(email ? [eb(sql<string>`lower(email)`, '=', email.toLowerCase())] : []),
          eb(sql<string>`lower(username)`, '=', username.toLowerCase()),
        ]),
      );
    if (exceptId) q = q.where('id', '!=', exceptId);
    const rows = await q.execute();
    return {
      email: !!email && rows.some((r) => r.email?.toLowerCase() === email.toLowerCase()),
      username: rows.some((r) => r.username.toLowerCase() === username.toLowerCase()),
    };
  }

  /** Users of an org with a status, ordered by (username, id), keyset-paged; optionally a prefix search. */
  async list(
    db: Executor<IdentityTables>,
    orgRid: string,
    opts: { status: UserStatus; limit: number; after?: { username: string; id: string } | undefined; prefix?: string | undefined },
  ): Promise<UserRow[]> {
    let q = db.selectFrom('identity.users').selectAll().where('org_rid', '=', orgRid).where('status', '=', opts.status);
    if (opts.prefix !== undefined) {
      const p = likePrefix(opts.prefix);
      q = q.where((eb) =>
        eb.or([
          eb('username', 'ilike', p),
          eb('given_name', 'ilike', p),
          eb('family_name', 'ilike', p),
          eb('email', 'ilike', p),
          eb(sql<string>`coalesce(given_name, '') || ' ' || coalesce(family_name, '')`, 'ilike', p),
        ]),
      );
    }
    if (opts.after) {
      const a = opts.after;
      q = q.where((eb) => eb(eb.refTuple('username', 'id'), '>', eb.tuple(a.username, a.id)));
    }
    return q.orderBy('username').orderBy('id').limit(opts.limit).execute();
  }

  async update(
    db: Executor<IdentityTables>,
    id: string,
    set: Partial<Pick<UserRow, 'username' | 'email' | 'given_name' | 'family_name' | 'is_org_admin' | 'password_hash' | 'status'>>,
    now: Date,
  ): Promise<UserRow> {
    return db
      .updateTable('identity.users')
      .set({ ...set, updated_at: now })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** Active org admins of an org, locked so two concurrent demotions cannot remove the last one. */
  async lockActiveAdmins(db: Executor<IdentityTables>, orgRid: string): Promise<string[]> {
    const rows = await db
      .selectFrom('identity.users')
      .select('id')
      .where('org_rid', '=', orgRid)
      .where('status', '=', 'ACTIVE')
      .where('is_org_admin', '=', true)
      .forUpdate()
      .execute();
    return rows.map((r) => r.id);
  }
}
