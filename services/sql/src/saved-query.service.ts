import { randomUUID } from 'node:crypto';
import { isUniqueViolation } from '@openfoundry/db';
import type { ResourceActor } from '@openfoundry/authz';
import { successEvent, type AuditLog } from '@openfoundry/audit';
import { decodePageToken, isUuid, resolvePageSize, toPage, validateDisplayName, type Clock, type Page } from '@openfoundry/kernel';
import { SqlErrors } from './sql.errors.js';
import type { SqlRepository } from './sql.repository.js';
import type { SavedQueryRow } from './sql.types.js';

export interface SavedQueryJson {
  id: string;
  name: string;
  query: string;
  createdTime: string;
  updatedTime: string;
}

const toJson = (r: SavedQueryRow): SavedQueryJson => ({
  id: r.id,
  name: r.name,
  query: r.query,
  createdTime: new Date(r.created_time).toISOString(),
  updatedTime: new Date(r.updated_time).toISOString(),
});

/** A user's saved queries: private to their owner, names unique per owner. */
export class SavedQueryService {
  constructor(
    private readonly repo: SqlRepository,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  private owner(actor: ResourceActor) {
    return { orgRid: actor.principal.orgRid, userId: actor.principal.userId };
  }

  async list(actor: ResourceActor, page: { pageSize?: number | undefined; pageToken?: string | undefined }): Promise<Page<SavedQueryJson>> {
    const pageSize = resolvePageSize(page.pageSize);
    const token = decodePageToken(page.pageToken);
    const rows = await this.repo.listSaved(this.repo.db, this.owner(actor), token ? { name: String(token[0]), id: String(token[1]) } : undefined, pageSize + 1);
    return toPage(rows, pageSize, (r) => [r.sort_name, r.id], toJson);
  }

  async create(actor: ResourceActor, input: { name: string; query: string }): Promise<SavedQueryJson> {
    const name = validateDisplayName(input.name, 'name');
    const time = this.clock.now();
    const row: SavedQueryRow = { id: randomUUID(), org_rid: actor.principal.orgRid, owner_id: actor.principal.userId, name, query: input.query, created_time: time, updated_time: time };
    try {
      await this.repo.db.transaction().execute(async (trx) => {
        await this.repo.insertSaved(trx, row);
        await this.audit.append(trx, successEvent(actor, 'sql.savedQuery.create', [], { savedQueryId: row.id, name }));
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw SqlErrors.savedQueryNameTaken(name);
      throw e;
    }
    return toJson(row);
  }

  async update(actor: ResourceActor, id: string, input: { name?: string | undefined; query?: string | undefined }): Promise<SavedQueryJson> {
    const name = input.name === undefined ? undefined : validateDisplayName(input.name, 'name');
    try {
      return await this.repo.db.transaction().execute(async (trx) => {
        const row = isUuid(id) ? await this.repo.findSaved(trx, id, this.owner(actor)) : undefined;
        if (!row) throw SqlErrors.savedQueryNotFound(id);
        const updated_time = this.clock.now();
        await this.repo.updateSaved(trx, id, { ...(name !== undefined ? { name } : {}), ...(input.query !== undefined ? { query: input.query } : {}), updated_time });
        await this.audit.append(trx, successEvent(actor, 'sql.savedQuery.update', [], { savedQueryId: id, name: name ?? row.name }));
        return toJson({ ...row, name: name ?? row.name, query: input.query ?? row.query, updated_time });
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw SqlErrors.savedQueryNameTaken(name!);
      throw e;
    }
  }

  async delete(actor: ResourceActor, id: string): Promise<void> {
    await this.repo.db.transaction().execute(async (trx) => {
      const row = isUuid(id) ? await this.repo.findSaved(trx, id, this.owner(actor)) : undefined;
      if (!row) throw SqlErrors.savedQueryNotFound(id);
      await this.repo.deleteSaved(trx, id);
      await this.audit.append(trx, successEvent(actor, 'sql.savedQuery.delete', [], { savedQueryId: id, name: row.name }));
    });
  }
}
