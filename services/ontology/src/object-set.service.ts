import { randomUUID } from 'node:crypto';
import { makeRid, PermissionDeniedError, requireRid, validateDisplayName } from '@openfoundry/kernel';
import { OBJECT_SET_TYPE, recordEvent, type Actor, type OntologyDeps } from './ontology.deps.js';
import { OntologyErrors } from './ontology.errors.js';
import type { ObjectSetRow } from './ontology.types.js';
import type { OntologyView } from './query/model.js';
import { ObjectSetCompiler } from './query/object-set.js';

const TEMPORARY_SET_TTL_MS = 3_600_000;

export interface SavedObjectSetJson {
  rid: string;
  ontologyRid: string;
  name: string;
  description: string;
  objectSet: unknown;
  path: string;
  createdTime: string;
  updatedTime: string;
}

/**
 * Stored object sets: Foundry's temporary sets (an hour, their creator's), and saved sets — a
 * definition with a name, kept in a folder as a resource (`ONTOLOGY_OBJECT_SET`) so it is shared
 * by roles. Stored sets keep the definition, not the objects, so they evaluate to current data.
 */
export class ObjectSetService {
  constructor(private readonly deps: OntologyDeps) {}

  /** A compiler over the view whose `reference` sets load stored sets the caller may read. */
  compiler(actor: Actor, view: OntologyView): ObjectSetCompiler {
    return new ObjectSetCompiler(view, async (rid) => {
      const row = await this.readable(actor, rid);
      return row && row.ontology_rid === view.ontology.rid ? row.object_set : undefined;
    });
  }

  /** A stored set the caller may use: their own temporary set, or a saved set they may read. */
  private async readable(actor: Actor, rid: string): Promise<ObjectSetRow | undefined> {
    const { repo, resources, clock } = this.deps;
    const row = await repo.findObjectSet(repo.db, actor.principal.orgRid, rid);
    if (!row) return undefined;
    if (row.name === null) return row.owner_id === actor.principal.userId && (!row.expires_time || row.expires_time > clock.now()) ? row : undefined;
    const allowed = await resources.authorizedRids(actor.principal, [rid], 'read');
    return allowed.has(rid) ? row : undefined;
  }

  async createTemporary(actor: Actor, view: OntologyView, objectSet: unknown): Promise<{ objectSetRid: string }> {
    // Compiling checks the definition (and that the caller may read what it names) before storing it.
    await this.compiler(actor, view).compile(objectSet);
    const { repo, clock } = this.deps;
    const now = clock.now();
    const rid = makeRid('object-set-service', 'main', 'object-set', randomUUID());
    await repo.insertObjectSet(repo.db, {
      rid,
      org_rid: actor.principal.orgRid,
      ontology_rid: view.ontology.rid,
      owner_id: actor.principal.userId,
      name: null,
      description: null,
      object_set: objectSet,
      created_time: now,
      updated_time: now,
      expires_time: new Date(now.getTime() + TEMPORARY_SET_TTL_MS),
    });
    return { objectSetRid: rid };
  }

  async get(actor: Actor, view: OntologyView, rid: string): Promise<unknown> {
    const row = await this.readable(actor, rid);
    if (!row || row.ontology_rid !== view.ontology.rid) throw OntologyErrors.objectSetNotFound(rid);
    return row.object_set;
  }

  // --- saved sets (OpenFoundry) -------------------------------------------------------------

  private async json(actor: Actor, row: ObjectSetRow): Promise<SavedObjectSetJson> {
    const resource = await this.deps.resources.resolve(actor.principal, row.rid);
    return {
      rid: row.rid,
      ontologyRid: row.ontology_rid,
      name: row.name!,
      description: row.description ?? '',
      objectSet: row.object_set,
      path: resource?.path ?? '',
      createdTime: row.created_time.toISOString(),
      updatedTime: row.updated_time.toISOString(),
    };
  }

  async save(actor: Actor, view: OntologyView, input: { parentFolderRid: string; name: string; description?: string | undefined; objectSet: unknown }): Promise<SavedObjectSetJson> {
    requireRid(input.parentFolderRid, 'parentFolderRid');
    const name = validateDisplayName(input.name, 'name');
    await this.compiler(actor, view).compile(input.objectSet);
    const { repo, resources, clock } = this.deps;
    const now = clock.now();
    const row: ObjectSetRow = {
      rid: makeRid('object-set-service', 'main', 'saved-object-set', randomUUID()),
      org_rid: actor.principal.orgRid,
      ontology_rid: view.ontology.rid,
      owner_id: actor.principal.userId,
      name,
      description: input.description ?? null,
      object_set: input.objectSet,
      created_time: now,
      updated_time: now,
      expires_time: null,
    };
    await repo.transaction(async (trx) => {
      await resources.register(trx, actor, { rid: row.rid, type: OBJECT_SET_TYPE, parentFolderRid: input.parentFolderRid, displayName: name, description: input.description });
      await repo.insertObjectSet(trx, row);
      await recordEvent(this.deps, trx, actor, 'ontology.objectSet.save', [row.rid, view.ontology.rid], { name });
    });
    return this.json(actor, row);
  }

  /** Saved sets of the ontology the caller may read, by name. */
  async list(actor: Actor, view: OntologyView): Promise<{ data: SavedObjectSetJson[] }> {
    const { repo, resources } = this.deps;
    const rows = await repo.savedObjectSets(repo.db, actor.principal.orgRid, view.ontology.rid);
    const allowed = await resources.authorizedRids(actor.principal, rows.map((r) => r.rid), 'read');
    return { data: await Promise.all(rows.filter((r) => allowed.has(r.rid)).map((r) => this.json(actor, r))) };
  }

  async getSaved(actor: Actor, view: OntologyView, rid: string): Promise<SavedObjectSetJson> {
    const row = await this.readable(actor, rid);
    if (!row || row.name === null || row.ontology_rid !== view.ontology.rid) throw OntologyErrors.objectSetNotFound(rid);
    return this.json(actor, row);
  }

  async update(actor: Actor, view: OntologyView, rid: string, input: { description?: string | undefined; objectSet: unknown }): Promise<SavedObjectSetJson> {
    const row = await this.requireWritable(actor, view, rid);
    // The set may not come to refer to itself, directly or through other stored sets.
    await this.compiler(actor, view).compile(input.objectSet, 0, [rid]);
    const { repo, clock } = this.deps;
    const updated = { name: row.name!, description: input.description ?? row.description, object_set: input.objectSet, updated_time: clock.now() };
    await repo.transaction(async (trx) => {
      await repo.updateObjectSet(trx, rid, updated);
      await recordEvent(this.deps, trx, actor, 'ontology.objectSet.update', [rid, view.ontology.rid], { name: row.name });
    });
    return this.json(actor, { ...row, ...updated });
  }

  async delete(actor: Actor, view: OntologyView, rid: string): Promise<void> {
    const row = await this.requireWritable(actor, view, rid);
    const { repo, resources } = this.deps;
    await repo.transaction(async (trx) => {
      await resources.unregister(trx, actor, rid);
      await repo.deleteObjectSets(trx, [rid]);
      await recordEvent(this.deps, trx, actor, 'ontology.objectSet.delete', [rid, view.ontology.rid], { name: row.name });
    });
  }

  private async requireWritable(actor: Actor, view: OntologyView, rid: string): Promise<ObjectSetRow> {
    const row = await this.readable(actor, rid);
    if (!row || row.name === null || row.ontology_rid !== view.ontology.rid) throw OntologyErrors.objectSetNotFound(rid);
    const writable = await this.deps.resources.authorizedRids(actor.principal, [rid], 'write');
    if (!writable.has(rid)) throw new PermissionDeniedError('EditObjectSetPermissionDenied', { objectSetRid: rid });
    return row;
  }
}
