import { randomUUID } from 'node:crypto';
import { authorize, type Principal } from '@openfoundry/authz';
import { isUniqueViolation, type Transaction } from '@openfoundry/db';
import { readKeyed } from '@openfoundry/engine';
import { ConflictError, NotFoundError, PermissionDeniedError, isRid, makeRid, requireRid, validateDisplayName } from '@openfoundry/kernel';
import { OBJECT_TYPE_TYPE, ONTOLOGY_TYPE, recordEvent, type Actor, type OntologyDeps } from '../ontology.deps.js';
import { OntologyErrors, type DefinitionProblem } from '../ontology.errors.js';
import type { InterfaceTypeRow, LinkTypeRow, ObjectTypeRow, OntologyRow, OntologyTables } from '../ontology.types.js';
import { ApiName, typeText, type InterfaceTypeDef, type LinkTypeDef, type LinkTypeInput, type ObjectTypeDef, type OntologyDocument } from './model.js';
import {
  checkImplementation,
  checkInterfaceLinks,
  checkInterfaceLinkTargets,
  checkInterfaces,
  checkLinkNames,
  normalizeInterface,
  normalizeLinkType,
  normalizeObjectType,
  type ResolvedDataset,
} from './normalize.js';

type Kind = 'objectType' | 'linkType' | 'interfaceType';

/** One entry of an apply's plan. */
export interface DefinitionChange {
  kind: Kind;
  apiName: string;
  action: 'create' | 'update' | 'delete' | 'unchanged';
  /** What changed, field by field (`properties.salary.type: integer → long`). */
  changes: string[];
  /** Why existing objects, links or clients would break; empty when none would. */
  breaking: string[];
}

export interface ApplyResult {
  ontologyRid: string;
  dryRun: boolean;
  changes: DefinitionChange[];
}

export interface ApplyOptions {
  dryRun?: boolean | undefined;
  /** Delete the types the document does not name. */
  prune?: boolean | undefined;
  /** Apply even when a change is breaking (otherwise 409 `BreakingOntologyChanges`). */
  allowBreakingChanges?: boolean | undefined;
  /** Types to delete (the single-type DELETE endpoints). */
  remove?: Partial<Record<Kind, string[]>> | undefined;
}

/** What an apply changed, for the indexer: targets to (re)index and index tables of deleted ones. */
export interface AppliedTargets {
  reindex: string[];
  deleted: string[];
}

const OBJECT_TYPE_RID = (u = randomUUID()) => makeRid('ontology', 'main', 'object-type', u);
const LINK_TYPE_RID = (u = randomUUID()) => makeRid('ontology', 'main', 'relation', u);
const INTERFACE_RID = (u = randomUUID()) => makeRid('ontology', 'main', 'interface', u);
export const ONTOLOGY_RID = (u = randomUUID()) => makeRid('ontology', 'main', 'ontology', u);

/** The ontology as code: create ontologies, and plan and apply documents of types idempotently. */
export class DefinitionService {
  constructor(
    private readonly deps: OntologyDeps,
    private readonly onApplied: (targets: AppliedTargets) => void,
  ) {}

  async createOntology(actor: Actor, input: { parentFolderRid: string; apiName: string; displayName: string; description?: string | undefined }): Promise<OntologyRow> {
    requireRid(input.parentFolderRid, 'parentFolderRid');
    const apiName = ApiName.safeParse(input.apiName);
    if (!apiName.success) throw OntologyErrors.invalidDefinition([{ path: 'apiName', problem: apiName.error.issues[0]!.message }]);
    const displayName = validateDisplayName(input.displayName);
    const { repo, resources, clock } = this.deps;
    const row: OntologyRow = {
      rid: ONTOLOGY_RID(),
      org_rid: actor.principal.orgRid,
      api_name: input.apiName,
      display_name: displayName,
      description: input.description ?? '',
      created_by: actor.principal.userId,
      created_time: clock.now(),
    };
    try {
      return await repo.transaction(async (trx) => {
        await resources.register(trx, actor, { rid: row.rid, type: ONTOLOGY_TYPE, parentFolderRid: input.parentFolderRid, displayName, description: row.description });
        await repo.insertOntology(trx, row);
        await recordEvent(this.deps, trx, actor, 'ontology.create', [row.rid], { apiName: row.api_name, parentFolderRid: input.parentFolderRid });
        return row;
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw OntologyErrors.ontologyApiNameNotUnique(input.apiName);
      throw e;
    }
  }

  /** Plans the document against the ontology's current types and, unless a dry run, applies it in one transaction. */
  async apply(actor: Actor, ontology: OntologyRow, doc: OntologyDocument, options: ApplyOptions = {}): Promise<ApplyResult> {
    const { repo, resources } = this.deps;
    const principal = actor.principal;
    const [allObjectRows, allLinkRows, interfaceRows] = await Promise.all([
      repo.listObjectTypes(repo.db, ontology.rid),
      repo.listLinkTypes(repo.db, ontology.rid),
      repo.listInterfaceTypes(repo.db, ontology.rid),
    ]);
    // The caller plans against the types they may read, as reads show them (read on the type and on its
    // datasets). The others are neither shown, changed, pruned nor named in a problem: they stay as they are.
    const readable = await resources.authorizedRids(principal, [...allObjectRows.flatMap((t) => [t.rid, t.dataset_rid]), ...allLinkRows.flatMap((l) => (l.dataset_rid ? [l.dataset_rid] : []))], 'read');
    const hiddenTypes = allObjectRows.filter((t) => !readable.has(t.rid) || !readable.has(t.dataset_rid));
    const hiddenNames = new Set(hiddenTypes.map((t) => t.api_name));
    const isHiddenLink = (l: LinkTypeRow) => hiddenNames.has(l.definition.from.objectTypeApiName) || hiddenNames.has(l.definition.to.objectTypeApiName) || (!!l.dataset_rid && !readable.has(l.dataset_rid));
    const hiddenLinks = allLinkRows.filter(isHiddenLink);
    const objectRows = allObjectRows.filter((t) => !hiddenNames.has(t.api_name));
    const linkRows = allLinkRows.filter((l) => !isHiddenLink(l));

    const problems: DefinitionProblem[] = [];
    duplicates(doc.objectTypes ?? [], 'objectTypes', problems);
    duplicates(doc.linkTypes ?? [], 'linkTypes', problems);
    duplicates(doc.interfaceTypes ?? [], 'interfaceTypes', problems);
    // API names are unique in the ontology, so one taken by a hidden type cannot be used (and that is all it tells).
    for (const [i, x] of (doc.objectTypes ?? []).entries()) if (hiddenNames.has(x.apiName)) problems.push({ path: `objectTypes[${i}].apiName`, problem: `${x.apiName} is the API name of an object type you cannot read` });
    for (const [i, x] of (doc.linkTypes ?? []).entries()) if (hiddenLinks.some((l) => l.api_name === x.apiName)) problems.push({ path: `linkTypes[${i}].apiName`, problem: `${x.apiName} is the API name of a link type you cannot read` });

    const removed = (kind: Kind, rows: Array<{ api_name: string }>, list: Array<{ apiName: string }> | undefined) => {
      const keep = new Set((list ?? []).map((x) => x.apiName));
      const explicit = new Set(options.remove?.[kind] ?? []);
      for (const name of explicit) if (!rows.some((r) => r.api_name === name)) problems.push({ path: `${kind}s`, problem: `there is no ${kind} ${name}` });
      return new Set(rows.filter((r) => explicit.has(r.api_name) || (options.prune && !keep.has(r.api_name))).map((r) => r.api_name));
    };
    const removedObjects = removed('objectType', objectRows, doc.objectTypes);
    const removedLinks = removed('linkType', linkRows, doc.linkTypes);
    const removedInterfaces = removed('interfaceType', interfaceRows, doc.interfaceTypes);
    // Creating or removing types needs write on the ontology: refused before the document is checked against anything.
    const isNew = (list: Array<{ apiName: string }> | undefined, rows: Array<{ api_name: string }>) => (list ?? []).some((x) => !rows.some((r) => r.api_name === x.apiName));
    const creates = isNew(doc.objectTypes, allObjectRows) || isNew(doc.linkTypes, allLinkRows) || isNew(doc.interfaceTypes, interfaceRows);
    if (!options.dryRun && (creates || removedObjects.size || removedLinks.size || removedInterfaces.size)) {
      const resource = await resources.authorize(principal, ontology.rid, 'read', () => OntologyErrors.ontologyNotFound(ontology.rid));
      requireWrite(principal, resource, 'EditOntologyPermissionDenied', { ontologyRid: ontology.rid });
    }

    // Interfaces first: object types implement them.
    const interfaceIndex = new Map((doc.interfaceTypes ?? []).map((x, i) => [x.apiName, i]));
    const interfaces = new Map<string, InterfaceTypeDef>(interfaceRows.filter((r) => !removedInterfaces.has(r.api_name)).map((r) => [r.api_name, r.definition]));
    for (const input of doc.interfaceTypes ?? []) interfaces.set(input.apiName, normalizeInterface(input, interfaceRows.find((r) => r.api_name === input.apiName)?.definition));
    checkInterfaces(interfaces, (n) => (interfaceIndex.has(n) ? `interfaceTypes[${interfaceIndex.get(n)}]` : `interfaceTypes.${n}`), problems);

    const objects = new Map<string, { rid: string; def: ObjectTypeDef; folder?: string | undefined }>(
      objectRows.filter((r) => !removedObjects.has(r.api_name)).map((r) => [r.api_name, { rid: r.rid, def: r.definition }]),
    );
    for (const [i, input] of (doc.objectTypes ?? []).entries()) {
      const at = `objectTypes[${i}]`;
      const existing = objectRows.find((r) => r.api_name === input.apiName);
      const dataset = await this.resolveDataset(actor.principal, input.dataset, input.branch, `${at}.dataset`, problems);
      if (!dataset) continue;
      const def = normalizeObjectType(input, at, dataset, existing?.definition, interfaces, problems);
      const pkChanged = !existing || existing.definition.datasetRid !== def.datasetRid || existing.definition.primaryKey !== def.primaryKey || pkColumn(existing.definition) !== pkColumn(def);
      if (pkChanged && !problems.some((p) => p.path.startsWith(`${at}.`))) await this.checkPrimaryKeyUnique(def, dataset, at, problems);
      if (existing && input.folder !== undefined) problems.push({ path: `${at}.folder`, problem: 'an existing object type stays in its folder; move it in the filesystem instead' });
      objects.set(input.apiName, { rid: existing?.rid ?? OBJECT_TYPE_RID(), def, folder: input.folder });
    }
    // Types the document does not name still implement the interfaces as they would be (removed, or changed by it).
    for (const row of objectRows) {
      if (removedObjects.has(row.api_name) || doc.objectTypes?.some((x) => x.apiName === row.api_name)) continue;
      const properties = new Map(row.definition.properties.map((p) => [p.apiName, p]));
      for (const [i, mapping] of Object.entries(row.definition.implements)) {
        if (!interfaces.has(i)) problems.push({ path: `objectTypes.${row.api_name}`, problem: `implements interface ${i}, which would no longer exist` });
        else checkImplementation(i, mapping, properties, `objectTypes.${row.api_name}.implements.${i}`, interfaces, problems);
      }
    }
    for (const row of hiddenTypes) {
      const properties = new Map(row.definition.properties.map((p) => [p.apiName, p]));
      for (const [i, mapping] of Object.entries(row.definition.implements)) {
        const found: DefinitionProblem[] = [];
        if (interfaces.has(i)) checkImplementation(i, mapping, properties, '', interfaces, found);
        if (!interfaces.has(i) || found.length) {
          const path = interfaceIndex.has(i) ? `interfaceTypes[${interfaceIndex.get(i)}]` : `interfaceTypes.${i}`;
          if (!problems.some((p) => p.path === path && p.problem.startsWith('object types you cannot read'))) problems.push({ path, problem: `object types you cannot read implement ${i} and would no longer fit it` });
        }
      }
    }

    const links: Array<{ rid: string; def: LinkTypeDef; at: string }> = [];
    for (const row of linkRows) {
      if (removedLinks.has(row.api_name) || doc.linkTypes?.some((x) => x.apiName === row.api_name)) continue;
      const def = row.definition;
      // A kept link follows its object types; one whose type is removed must go too.
      const from = objects.get(def.from.objectTypeApiName);
      const to = objects.get(def.to.objectTypeApiName);
      if (!from || !to) {
        problems.push({ path: `linkTypes.${row.api_name}`, problem: `links ${def.from.objectTypeApiName} and ${def.to.objectTypeApiName}, which would no longer both exist` });
        continue;
      }
      // A type the document changes must still fit the link (its foreign key, its primary key's type).
      const changed = (apiName: string) => doc.objectTypes?.some((x) => x.apiName === apiName);
      if (changed(def.from.objectTypeApiName) || changed(def.to.objectTypeApiName)) {
        const at = `linkTypes.${row.api_name}`;
        const join = def.join ? await this.resolveDataset(actor.principal, def.join.datasetRid, def.join.branch, `${at}.dataset`, problems) : undefined;
        if (!def.join || join) normalizeLinkType(linkInput(def), at, { objectTypes: objects }, join, problems);
      }
      links.push({ rid: row.rid, def, at: `linkTypes.${row.api_name}` });
    }
    for (const [i, input] of (doc.linkTypes ?? []).entries()) {
      const at = `linkTypes[${i}]`;
      const join = input.cardinality === 'MANY_TO_MANY' && input.dataset ? await this.resolveDataset(actor.principal, input.dataset, input.branch, `${at}.dataset`, problems) : undefined;
      const def = normalizeLinkType(input, at, { objectTypes: objects }, join, problems);
      if (def) links.push({ rid: linkRows.find((r) => r.api_name === input.apiName)?.rid ?? LINK_TYPE_RID(), def, at });
    }
    // Links the caller cannot read still hold on to the types they can: those cannot go, nor stop fitting them.
    const everyType = new Map([...objects, ...hiddenTypes.map((t) => [t.api_name, { rid: t.rid, def: t.definition }] as const)]);
    for (const row of hiddenLinks) {
      const def = row.definition;
      for (const name of [def.from.objectTypeApiName, def.to.objectTypeApiName]) {
        const at = doc.objectTypes?.findIndex((x) => x.apiName === name) ?? -1;
        const path = at >= 0 ? `objectTypes[${at}]` : `objectTypes.${name}`;
        if (removedObjects.has(name)) problems.push({ path, problem: `${name} has links you cannot read, so it cannot be removed` });
        else if (at >= 0) {
          const found: DefinitionProblem[] = [];
          normalizeLinkType(linkInput(def), '', { objectTypes: everyType }, undefined, found);
          if (found.length) problems.push({ path, problem: `the change breaks links of ${name} you cannot read` });
        }
      }
    }
    checkLinkNames([...hiddenLinks.map((l) => ({ def: { ...l.definition, apiName: '(one you cannot read)' }, at: '' })), ...links], problems);
    // Interface links, once every object and link type is known.
    const interfacePath = (n: string) => (interfaceIndex.has(n) ? `interfaceTypes[${interfaceIndex.get(n)}]` : `interfaceTypes.${n}`);
    checkInterfaceLinkTargets(interfaces, doc.interfaceTypes ?? [], new Set(everyType.keys()), interfacePath, problems);
    const everyDef = new Map([...everyType].map(([k, v]) => [k, v.def]));
    const everyLink = [...links.map((l) => l.def), ...hiddenLinks.map((l) => l.definition)];
    const docIndex = new Map((doc.objectTypes ?? []).map((x, i) => [x.apiName, i]));
    for (const [name, { def }] of objects) checkInterfaceLinks(def, docIndex.has(name) ? `objectTypes[${docIndex.get(name)}]` : `objectTypes.${name}`, everyLink, everyDef, interfaces, problems);
    if (problems.length) throw OntologyErrors.invalidDefinition([...new Map(problems.map((p) => [`${p.path}\n${p.problem}`, p])).values()].slice(0, 100));

    const changes: DefinitionChange[] = [
      ...plan('interfaceType', interfaceRows, doc.interfaceTypes?.map((x) => interfaces.get(x.apiName)!) ?? [], removedInterfaces, diffInterface),
      ...plan('objectType', objectRows, doc.objectTypes?.map((x) => objects.get(x.apiName)!.def) ?? [], removedObjects, diffObjectType),
      ...plan('linkType', linkRows, doc.linkTypes?.map((x) => links.find((l) => l.def.apiName === x.apiName)!.def) ?? [], removedLinks, diffLinkType),
    ];
    const result: ApplyResult = { ontologyRid: ontology.rid, dryRun: !!options.dryRun, changes };
    if (options.dryRun) return result;
    const breaking = changes.filter((c) => c.breaking.length);
    if (breaking.length && !options.allowBreakingChanges) throw OntologyErrors.breakingChanges(breaking.map((c) => ({ kind: c.kind, apiName: c.apiName, breaking: c.breaking })));
    if (!changes.some((c) => c.action !== 'unchanged')) return result;

    const paths = new Map((doc.objectTypes ?? []).map((x, i) => [x.apiName, `objectTypes[${i}]`]));
    const targets = await this.persist(actor, ontology, changes, { objects, links, interfaces, objectRows, linkRows, interfaceRows, paths });
    this.onApplied(targets);
    return result;
  }

  private async persist(
    actor: Actor,
    ontology: OntologyRow,
    changes: DefinitionChange[],
    s: {
      objects: Map<string, { rid: string; def: ObjectTypeDef; folder?: string | undefined }>;
      links: Array<{ rid: string; def: LinkTypeDef }>;
      interfaces: Map<string, InterfaceTypeDef>;
      objectRows: ObjectTypeRow[];
      linkRows: LinkTypeRow[];
      interfaceRows: InterfaceTypeRow[];
      /** Object type API name → its path in the document. */
      paths: Map<string, string>;
    },
  ): Promise<AppliedTargets> {
    const { repo, resources, clock } = this.deps;
    const principal = actor.principal;
    const time = clock.now();
    const targets: AppliedTargets = { reindex: [], deleted: [] };
    const ontologyResource = await resources.authorize(principal, ontology.rid, 'read', () => OntologyErrors.ontologyNotFound(ontology.rid));
    const needsOntologyWrite = changes.some((c) => c.action !== 'unchanged' && (c.kind !== 'objectType' || c.action !== 'update'));
    if (needsOntologyWrite) requireWrite(principal, ontologyResource, 'EditOntologyPermissionDenied', { ontologyRid: ontology.rid });
    await repo.transaction(async (trx: Transaction<OntologyTables>) => {
      for (const c of changes) {
        if (c.action === 'unchanged') continue;
        const base = { updated_by: principal.userId, updated_time: time };
        if (c.kind === 'interfaceType') {
          const def = s.interfaces.get(c.apiName);
          const row = s.interfaceRows.find((r) => r.api_name === c.apiName);
          if (c.action === 'delete') await repo.deleteType(trx, 'ontology.interface_types', row!.rid);
          else if (row) await repo.updateType(trx, 'ontology.interface_types', row.rid, { ...base, definition: def, version: row.version + 1 });
          else await repo.insertType(trx, 'ontology.interface_types', { rid: INTERFACE_RID(), ontology_rid: ontology.rid, org_rid: principal.orgRid, api_name: c.apiName, definition: def!, version: 1, created_by: principal.userId, created_time: time, ...base });
        } else if (c.kind === 'objectType') {
          const row = s.objectRows.find((r) => r.api_name === c.apiName);
          if (row) await this.requireObjectTypeWrite(trx, principal, row.rid);
          if (c.action === 'delete') {
            await repo.deleteType(trx, 'ontology.object_types', row!.rid);
            await repo.deleteIndex(trx, row!.rid);
            await resources.unregister(trx, actor, row!.rid);
            targets.deleted.push(row!.rid);
            continue;
          }
          const entry = s.objects.get(c.apiName)!;
          // The type's resource takes its display name in the folder: a sibling with that name is a problem of the document.
          const nameTaken = (e: unknown): never => {
            if (!(e instanceof ConflictError) || e.errorName !== 'ResourceNameAlreadyExists') throw e;
            const at = s.paths.get(c.apiName) ?? `objectTypes.${c.apiName}`;
            throw OntologyErrors.invalidDefinition([{ path: `${at}.displayName`, problem: `the folder already holds a resource named ${entry.def.displayName}; give the object type another displayName or folder` }]);
          };
          if (row) {
            await repo.updateType(trx, 'ontology.object_types', row.rid, { ...base, definition: entry.def, version: row.version + 1, dataset_rid: entry.def.datasetRid });
            await resources.describe(trx, actor, row.rid, { displayName: entry.def.displayName, description: entry.def.description }).catch(nameTaken);
          } else {
            const parentFolderRid = await this.folderOf(trx, principal, entry.folder, ontologyResource.parentFolderRid!);
            await resources.register(trx, actor, { rid: entry.rid, type: OBJECT_TYPE_TYPE, parentFolderRid, displayName: entry.def.displayName, description: entry.def.description }).catch(nameTaken);
            await repo.insertType(trx, 'ontology.object_types', {
              rid: entry.rid,
              ontology_rid: ontology.rid,
              org_rid: principal.orgRid,
              api_name: c.apiName,
              definition: entry.def,
              version: 1,
              dataset_rid: entry.def.datasetRid,
              created_by: principal.userId,
              created_time: time,
              ...base,
            });
          }
          await repo.requireIndex(trx, { target_rid: entry.rid, org_rid: principal.orgRid, dataset_rid: entry.def.datasetRid, branch_name: entry.def.branch, time });
          targets.reindex.push(entry.rid);
        } else {
          const row = s.linkRows.find((r) => r.api_name === c.apiName);
          if (c.action === 'delete') {
            await repo.deleteType(trx, 'ontology.link_types', row!.rid);
            if (await repo.deleteIndex(trx, row!.rid)) targets.deleted.push(row!.rid);
            continue;
          }
          const entry = s.links.find((l) => l.def.apiName === c.apiName)!;
          const datasetRid = entry.def.join?.datasetRid ?? null;
          if (row) await repo.updateType(trx, 'ontology.link_types', row.rid, { ...base, definition: entry.def, version: row.version + 1, dataset_rid: datasetRid });
          else await repo.insertType(trx, 'ontology.link_types', { rid: entry.rid, ontology_rid: ontology.rid, org_rid: principal.orgRid, api_name: c.apiName, definition: entry.def, version: 1, dataset_rid: datasetRid, created_by: principal.userId, created_time: time, ...base });
          if (entry.def.join) {
            await repo.requireIndex(trx, { target_rid: entry.rid, org_rid: principal.orgRid, dataset_rid: entry.def.join.datasetRid, branch_name: entry.def.join.branch, time });
            targets.reindex.push(entry.rid);
          } else if (row?.definition.join && (await repo.deleteIndex(trx, row.rid))) targets.deleted.push(row.rid);
        }
      }
      await recordEvent(this.deps, trx, actor, 'ontology.apply', [ontology.rid], {
        changes: changes.filter((c) => c.action !== 'unchanged').map((c) => ({ kind: c.kind, apiName: c.apiName, action: c.action, breaking: c.breaking.length > 0 })),
      });
    });
    return targets;
  }

  private async requireObjectTypeWrite(trx: Transaction<OntologyTables>, principal: Principal, rid: string): Promise<void> {
    try {
      await this.deps.resources.authorize(principal, rid, 'write', () => OntologyErrors.objectTypeNotFound(rid, rid), trx);
    } catch (e) {
      if (e instanceof PermissionDeniedError) throw new PermissionDeniedError('EditObjectTypePermissionDenied', { objectTypeRid: rid });
      throw e;
    }
  }

  private async folderOf(trx: Transaction<OntologyTables>, principal: Principal, folder: string | undefined, fallback: string): Promise<string> {
    if (folder === undefined) return fallback;
    if (isRid(folder)) return folder;
    const found = await this.deps.resources.resolvePath(principal, folder, trx);
    if (!found) throw OntologyErrors.invalidDefinition([{ path: 'folder', problem: `there is no folder ${folder}` }]);
    return found.rid;
  }

  private async resolveDataset(principal: Principal, reference: string, branch: string | undefined, path: string, problems: DefinitionProblem[]): Promise<ResolvedDataset | undefined> {
    const found = await this.deps.datasets.resolve(principal, reference, branch);
    if (!found) {
      problems.push({ path, problem: `there is no dataset ${reference}${branch ? ` with a branch ${branch}` : ''} you can read` });
      return undefined;
    }
    const view = await this.deps.datasets.indexView(found.rid, found.branchName);
    if (!view || !view.columns.length) {
      problems.push({ path, problem: `dataset ${reference} has no schema yet (commit a table to it first)` });
      return undefined;
    }
    return { rid: found.rid, branchName: found.branchName, columns: view.columns };
  }

  private async checkPrimaryKeyUnique(def: ObjectTypeDef, dataset: ResolvedDataset, at: string, problems: DefinitionProblem[]): Promise<void> {
    const view = await this.deps.datasets.indexView(dataset.rid, dataset.branchName);
    if (!view?.files.length) return;
    const read = await readKeyed(this.deps.engine, { files: view.files }, { key: pkColumn(def), fields: [], maxInvalidExamples: 3 });
    if (read.invalidCount) {
      problems.push({ path: `${at}.primaryKey`, problem: `${def.primaryKey} is not a unique, non-null key of the data: ${read.invalidCount} rows, e.g. ${read.invalidExamples.map((x) => x.reason).join('; ')}` });
    }
  }
}

function requireWrite(principal: Principal, resource: Parameters<typeof authorize>[1], errorName: string, parameters: Record<string, unknown>): void {
  try {
    authorize(principal, resource, 'write', () => new NotFoundError('OntologyNotFound', parameters));
  } catch (e) {
    if (e instanceof PermissionDeniedError) throw new PermissionDeniedError(errorName, parameters);
    throw e;
  }
}

/** A stored link definition as the document input it came from (to check it again). */
function linkInput(def: LinkTypeDef): LinkTypeInput {
  return {
    apiName: def.apiName,
    from: { objectType: def.from.objectTypeApiName, linkApiName: def.from.linkApiName, displayName: def.from.displayName },
    to: { objectType: def.to.objectTypeApiName, linkApiName: def.to.linkApiName, displayName: def.to.displayName },
    cardinality: def.cardinality,
    status: def.status,
    ...(def.foreignKey !== undefined ? { foreignKey: def.foreignKey } : {}),
    ...(def.join ? { dataset: def.join.datasetRid, branch: def.join.branch, fromColumn: def.join.fromColumn, toColumn: def.join.toColumn } : {}),
  };
}

const pkColumn = (def: ObjectTypeDef) => def.properties.find((p) => p.apiName === def.primaryKey)?.column ?? def.primaryKey;

function duplicates(list: Array<{ apiName: string }>, path: string, problems: DefinitionProblem[]): void {
  const seen = new Set<string>();
  for (const [i, x] of list.entries()) {
    if (seen.has(x.apiName)) problems.push({ path: `${path}[${i}].apiName`, problem: `${x.apiName} appears more than once` });
    seen.add(x.apiName);
  }
}

function plan<D extends { apiName: string }>(
  kind: Kind,
  rows: Array<{ api_name: string; definition: D }>,
  next: D[],
  removed: Set<string>,
  diff: (before: D, after: D) => { changes: string[]; breaking: string[] },
): DefinitionChange[] {
  const out: DefinitionChange[] = [];
  for (const def of next) {
    const row = rows.find((r) => r.api_name === def.apiName);
    if (!row) out.push({ kind, apiName: def.apiName, action: 'create', changes: [], breaking: [] });
    else {
      const d = diff(row.definition, def);
      out.push({ kind, apiName: def.apiName, action: d.changes.length ? 'update' : 'unchanged', ...d });
    }
  }
  for (const name of removed) out.push({ kind, apiName: name, action: 'delete', changes: [], breaking: [`${kind} ${name} and everything that reads it go away`] });
  return out;
}

/** JSON with object keys sorted (stored definitions come back from jsonb in its own key order). */
function stable(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (Array.isArray(v)) return `[${v.map((x) => stable(x) ?? 'null').join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stable(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

const text = (v: unknown) => (v === undefined ? '(none)' : typeof v === 'string' ? v : stable(v));

function fieldChanges(before: Record<string, unknown>, after: Record<string, unknown>, fields: string[], prefix = ''): string[] {
  return fields.filter((f) => stable(before[f]) !== stable(after[f])).map((f) => `${prefix}${f}: ${text(before[f])} → ${text(after[f])}`);
}

function diffObjectType(before: ObjectTypeDef, after: ObjectTypeDef): { changes: string[]; breaking: string[] } {
  const changes = fieldChanges(before as never, after as never, ['displayName', 'pluralDisplayName', 'description', 'icon', 'status', 'visibility', 'datasetRid', 'branch', 'primaryKey', 'titleProperty', 'implements', 'interfaceLinks']);
  const breaking: string[] = [];
  if (before.primaryKey !== after.primaryKey) breaking.push(`primary key changes from ${before.primaryKey} to ${after.primaryKey}: every object gets a new identity`);
  if (before.datasetRid !== after.datasetRid || before.branch !== after.branch) breaking.push('the backing dataset changes: every object is indexed again from it');
  for (const i of Object.keys(before.implements)) if (!(i in after.implements)) breaking.push(`no longer implements ${i}`);
  for (const p of before.properties) {
    const q = after.properties.find((x) => x.apiName === p.apiName);
    if (!q) {
      changes.push(`properties.${p.apiName}: removed`);
      breaking.push(`property ${p.apiName} is removed`);
      continue;
    }
    const c = fieldChanges(p as never, q as never, ['column', 'dataType', 'displayName', 'description', 'hidden', 'searchable'], `properties.${p.apiName}.`);
    changes.push(...c);
    if (typeText(p.dataType) !== typeText(q.dataType)) breaking.push(`property ${p.apiName} changes type from ${typeText(p.dataType)} to ${typeText(q.dataType)}`);
  }
  for (const q of after.properties) if (!before.properties.some((p) => p.apiName === q.apiName)) changes.push(`properties.${q.apiName}: added`);
  return { changes, breaking };
}

function diffLinkType(before: LinkTypeDef, after: LinkTypeDef): { changes: string[]; breaking: string[] } {
  const changes = fieldChanges(before as never, after as never, ['from', 'to', 'cardinality', 'status', 'foreignKey', 'join']);
  const breaking: string[] = [];
  if (before.cardinality !== after.cardinality) breaking.push(`cardinality changes from ${before.cardinality} to ${after.cardinality}`);
  if (before.from.objectTypeApiName !== after.from.objectTypeApiName || before.to.objectTypeApiName !== after.to.objectTypeApiName) breaking.push('the link connects other object types');
  if (before.from.linkApiName !== after.from.linkApiName || before.to.linkApiName !== after.to.linkApiName) breaking.push('a side of the link is renamed');
  return { changes, breaking };
}

function diffInterface(before: InterfaceTypeDef, after: InterfaceTypeDef): { changes: string[]; breaking: string[] } {
  const changes = fieldChanges(before as never, after as never, ['displayName', 'description', 'icon', 'extends']);
  const breaking: string[] = [];
  for (const p of before.properties) {
    const q = after.properties.find((x) => x.apiName === p.apiName);
    if (!q) {
      changes.push(`properties.${p.apiName}: removed`);
      breaking.push(`shared property ${p.apiName} is removed`);
    } else {
      changes.push(...fieldChanges(p as never, q as never, ['dataType', 'displayName', 'description'], `properties.${p.apiName}.`));
      if (typeText(p.dataType) !== typeText(q.dataType)) breaking.push(`shared property ${p.apiName} changes type`);
    }
  }
  for (const q of after.properties) if (!before.properties.some((p) => p.apiName === q.apiName)) changes.push(`properties.${q.apiName}: added`);
  for (const l of before.links ?? []) {
    const m = after.links?.find((x) => x.apiName === l.apiName);
    if (!m) {
      changes.push(`links.${l.apiName}: removed`);
      breaking.push(`interface link ${l.apiName} is removed`);
    } else {
      changes.push(...fieldChanges(l as never, m as never, ['displayName', 'description', 'cardinality', 'required', 'linked'], `links.${l.apiName}.`));
      if (stable(l.linked) !== stable(m.linked)) breaking.push(`interface link ${l.apiName} leads elsewhere`);
    }
  }
  for (const m of after.links ?? []) if (!before.links?.some((l) => l.apiName === m.apiName)) changes.push(`links.${m.apiName}: added`);
  return { changes, breaking };
}
