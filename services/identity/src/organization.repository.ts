import type { Executor, Selectable } from '@openfoundry/db';
import type { IdentityTables } from './identity.types.js';

export type OrganizationRow = Selectable<IdentityTables['identity.organizations']>;

/** SQL for `identity.organizations`. */
export class OrganizationRepository {
  async insert(db: Executor<IdentityTables>, row: { rid: string; name: string; description: string | null; marking_id: string; now: Date }): Promise<OrganizationRow> {
    return db
      .insertInto('identity.organizations')
      .values({ rid: row.rid, name: row.name, description: row.description, host: null, marking_id: row.marking_id, created_at: row.now, updated_at: row.now })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async find(db: Executor<IdentityTables>, rid: string): Promise<OrganizationRow | undefined> {
    return db.selectFrom('identity.organizations').selectAll().where('rid', '=', rid).executeTakeFirst();
  }

  async update(db: Executor<IdentityTables>, rid: string, set: { name: string; description: string | null; host: string | null; now: Date }): Promise<OrganizationRow> {
    return db
      .updateTable('identity.organizations')
      .set({ name: set.name, description: set.description, host: set.host, updated_at: set.now })
      .where('rid', '=', rid)
      .returningAll()
      .executeTakeFirstOrThrow();
  }
}
