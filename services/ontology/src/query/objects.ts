import { CompiledQuery, keepPrepared, sql, type RawBuilder } from '@openfoundry/db';
import { InvalidArgumentError, resolvePageSize } from '@openfoundry/kernel';
import { pgType } from '../indexing/object-table.js';
import type { OntologyRepository } from '../ontology.repository.js';
import type { IndexRow } from '../ontology.types.js';
import { OntologyErrors } from '../ontology.errors.js';
import type { OntologyView, ReadableType } from './model.js';
import { resolverFor, type CompiledSet } from './object-set.js';
import { objectRid } from './rids.js';
import { jsonObject, jsonValue, type BoundProperty } from './values.js';

/**
 * Pages of objects of a compiled set, sorted and paged in the database. Page tokens are keyset
 * positions (the last row's sort values and primary key), so every page is an index range scan,
 * however deep; the first page's total count travels in the token.
 */

export interface OrderBy {
  orderType?: string | undefined;
  fields: Array<{ field: string; direction?: string | undefined }>;
}

export interface LoadRequest {
  orderBy?: OrderBy | undefined;
  /** Properties to return (all when empty); interface sets name shared properties. */
  select?: string[] | undefined;
  pageSize?: number | undefined;
  pageToken?: string | undefined;
  excludeRid?: boolean | undefined;
}

export interface ObjectsPage {
  data: Array<Record<string, unknown>>;
  nextPageToken?: string;
  totalCount: string;
}

interface Token {
  k: Array<string | null>;
  ty: string;
  p: string;
  c: string;
}

const MAX_PAGE = 10_000;

function encodeToken(t: Token): string {
  return Buffer.from(JSON.stringify(t), 'utf8').toString('base64url');
}

function decodeToken(token: string | undefined, keys: number): Token | undefined {
  if (token === undefined || token === '') return undefined;
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Token;
    const ok =
      Array.isArray(t.k) && t.k.length === keys && t.k.every((x) => x === null || typeof x === 'string') && typeof t.ty === 'string' && typeof t.p === 'string' && typeof t.c === 'string';
    if (ok) return t;
  } catch {
    /* fall through */
  }
  throw new InvalidArgumentError('InvalidPageToken', { pageToken: token });
}

interface SortKey {
  direction: 'asc' | 'desc';
  /** The property on each type (by type API name). */
  on: Map<string, BoundProperty>;
  pgType: string;
}

/** The JSON object of one object of `type`: Foundry's `__rid`, `__primaryKey`, `__apiName`, `__title` and the properties. */
export function objectJson(type: ReadableType, properties: string[] | undefined, alias = 't'): RawBuilder<unknown> {
  const pk = type.primaryKey(alias);
  const title = type.bind(type.def.titleProperty, alias);
  const entries: Array<[string, RawBuilder<unknown>]> = [
    ['__apiName', sql`to_jsonb(${sql.lit(type.def.apiName)}::text)`],
    ['__primaryKey', jsonValue(pk)],
  ];
  if (title) entries.push(['__title', jsonValue(title)]);
  for (const name of properties ?? type.def.properties.map((p) => p.apiName)) {
    const p = type.bind(name, alias);
    if (p) entries.push([name, jsonValue(p)]);
  }
  return jsonObject(entries);
}

/** Adds `__rid` (or not) to objects read by {@link objectJson}. */
export function finishObject(type: ReadableType, o: Record<string, unknown>, excludeRid: boolean | undefined): Record<string, unknown> {
  if (excludeRid) return o;
  return { __rid: objectRid(type.row.rid, o.__primaryKey), ...o };
}

export class ObjectReader {
  constructor(
    private readonly repo: OntologyRepository,
    private readonly view: OntologyView,
  ) {}

  /** The properties to select on `type`: local names (object sets) or shared names mapped (interface sets). */
  selection(type: ReadableType, set: CompiledSet, select: string[] | undefined): string[] | undefined {
    if (!select?.length) return undefined;
    const resolve = resolverFor(this.view, type, set.view);
    const missing = select.filter((name) => !resolve(name) && !type.properties.has(name));
    if (missing.length && set.view.kind !== 'interface') throw OntologyErrors.propertiesNotFound(type.def.apiName, missing);
    return select.flatMap((name) => {
      const p = resolve(name);
      return p ? [p.def.apiName] : [];
    });
  }

  private sortKeys(set: CompiledSet, orderBy: OrderBy | undefined): SortKey[] {
    const fields = orderBy?.fields ?? [];
    if (fields.length > 10) throw OntologyErrors.invalidOrderBy(orderBy, 'at most 10 sort fields');
    const names = fields.map((f) => f.field);
    if (new Set(names).size !== names.length) throw OntologyErrors.duplicateOrderBy(names);
    return fields.map((f) => {
      const direction = (f.direction ?? 'asc').toLowerCase();
      if (direction !== 'asc' && direction !== 'desc') throw OntologyErrors.invalidOrderBy(orderBy, `direction must be asc or desc, not ${f.direction}`);
      const on = new Map<string, BoundProperty>();
      for (const apiName of set.parts.keys()) {
        const type = this.view.type(apiName);
        const p = resolverFor(this.view, type, set.view)(f.field);
        if (!p) throw OntologyErrors.propertiesNotFound(set.view.kind === 'mixed' ? apiName : set.view.apiName, [f.field]);
        if (p.def.dataType.type === 'array' || p.def.dataType.type === 'geopoint') throw OntologyErrors.invalidOrderBy(orderBy, `${f.field} (${p.def.dataType.type}) cannot be sorted`);
        on.set(apiName, p);
      }
      const types = new Set([...on.values()].map((p) => pgType(p.def.dataType)));
      if (types.size > 1) throw OntologyErrors.invalidOrderBy(orderBy, `${f.field} has different types on the object types of the set`);
      return { direction, on, pgType: [...types][0] ?? 'text' } as SortKey;
    });
  }

  /** One page of the set's objects. */
  async page(set: CompiledSet, request: LoadRequest): Promise<ObjectsPage> {
    const pageSize = resolvePageSize(request.pageSize, MAX_PAGE);
    const keys = this.sortKeys(set, request.orderBy);
    const token = decodeToken(request.pageToken, keys.length);
    const types = [...set.parts.keys()].map((k) => this.view.type(k)).filter((t) => t.ready || !set.parts.size);
    if (!types.length) return { data: [], totalCount: '0' };
    const single = types.length === 1 ? types[0]! : undefined;
    const order = (ref: (k: SortKey, i: number) => RawBuilder<unknown>, tail: RawBuilder<unknown>) =>
      sql.join([...keys.map((k, i) => sql`${ref(k, i)} ${sql.raw(k.direction)} nulls last`), tail]);
    let rows: Array<{ o: Record<string, unknown>; ty: string; pk: string; [k: string]: unknown }>;
    // The first page's total count runs beside the page (another connection), not after it.
    const counted = token ? Promise.resolve(token.c) : this.count(set).then(String);
    // Rejected with the page: not left unhandled when the page fails first.
    counted.catch(() => {});
    if (single) {
      const pk = single.primaryKey();
      const ref = (k: SortKey) => k.on.get(single.def.apiName)!.ref;
      const after = token ? keyset(keys, token, ref, sql`${pk.ref} > ${token.p}::${sql.raw(pgType(pk.def.dataType))}`) : sql`true`;
      const select = (first: RawBuilder<boolean>, orderBy: RawBuilder<unknown>) =>
        sql`select ${objectJson(single, this.selection(single, set, request.select))} as o, ${single.def.apiName}::text as ty, ${pk.ref}::text as pk, ${pk.ref} as _pk
          ${sql.join(keys.map((k, i) => sql`, ${ref(k)}::text as ${sql.id(`k${i}`)}, ${ref(k)} as ${sql.id(`s${i}`)}`), sql``)}
          from ${single.table()} t where (${set.parts.get(single.def.apiName)!}) and ${after} and ${first}
          order by ${orderBy} limit ${pageSize + 1}`;
      const first = keys[0];
      if (!first) {
        rows = await this.repo.query(this.repo.db, sql<never>`${select(sql`true`, order(ref, sql`${pk.ref} asc`))}`);
      } else {
        // Sorted on a property: the objects with a value, in the direction of the property's
        // B-tree (a descending sort reads it backwards: "nulls last" alone would make PostgreSQL
        // sort every match), then those without one; the two short lists are merged.
        const f = ref(first);
        const v = token?.k[0];
        const bound = v === undefined ? sql`true` : v === null ? sql`false` : sql`${f} ${sql.raw(first.direction === 'asc' ? '>=' : '<=')} ${v}::${sql.raw(first.pgType.replace(/ collate "C"$/, ''))}`;
        const rest = (r: (k: SortKey, i: number) => RawBuilder<unknown>) => sql.join([...keys.slice(1).map((k, i) => sql`${r(k, i + 1)} ${sql.raw(k.direction)} nulls last`), sql`${pk.ref} asc`]);
        const s = (_k: SortKey, i: number) => sql`u.${sql.id(`s${i}`)}`;
        rows = await this.repo.query(
          this.repo.db,
          sql<never>`select * from ((${select(sql`${f} is not null and ${bound}`, sql`${f} ${sql.raw(first.direction)}, ${rest(ref)}`)})
            union all (${select(sql`${f} is null`, rest(ref))})) u
            order by ${order(s, sql`u._pk asc`)} limit ${pageSize + 1}`,
        );
      }
    } else {
      const branches = types.map((type) => {
        const pk = type.primaryKey();
        return sql`select ${objectJson(type, this.selection(type, set, request.select))} as o, ${type.def.apiName}::text as ty, ${pk.ref}::text as pk
          ${sql.join(keys.map((k, i) => sql`, ${k.on.get(type.def.apiName)!.ref} as ${sql.id(`k${i}`)}`), sql``)}
          from ${type.table()} t where ${set.parts.get(type.def.apiName)!}`;
      });
      const ref = (_k: SortKey, i: number) => sql`u.${sql.id(`k${i}`)}`;
      const after = token ? keyset(keys, token, ref, sql`(u.ty, u.pk) > (${token.ty}::text, ${token.p}::text)`) : sql`true`;
      rows = await this.repo.query(
        this.repo.db,
        sql<never>`select u.o, u.ty, u.pk ${sql.join(keys.map((_k, i) => sql`, u.${sql.id(`k${i}`)}::text as ${sql.id(`k${i}`)}`), sql``)}
          from (${sql.join(branches.map((b) => sql`(${b})`), sql` union all `)}) u where ${after}
          order by ${order(ref, sql`u.ty asc, u.pk asc`)} limit ${pageSize + 1}`,
      );
    }
    const totalCount = await counted;
    const more = rows.length > pageSize;
    const pageRows = more ? rows.slice(0, pageSize) : rows;
    const page: ObjectsPage = {
      data: pageRows.map((r) => finishObject(this.view.type(r.ty), r.o, request.excludeRid)),
      totalCount,
    };
    if (more) {
      const last = pageRows[pageRows.length - 1]!;
      page.nextPageToken = encodeToken({ k: keys.map((_k, i) => (last[`k${i}`] as string | null) ?? null), ty: last.ty, p: last.pk, c: totalCount });
    }
    return page;
  }

  /** How many objects the set holds. */
  async count(set: CompiledSet): Promise<number> {
    const types = [...set.parts.keys()].map((k) => this.view.type(k)).filter((t) => t.ready);
    if (!types.length) return 0;
    const counts = types.map((t) => sql`select count(*) as n from ${t.table()} t where ${set.parts.get(t.def.apiName)!}`);
    const rows = await this.repo.query<{ n: string }>(this.repo.db, sql<{ n: string }>`select coalesce(sum(n), 0)::text as n from (${sql.join(counts.map((c) => sql`(${c})`), sql` union all `)}) c`);
    return Number(rows[0]?.n ?? 0);
  }

  /** One object by primary key (a checked value: `checkedValue`), or undefined. */
  async byKey(type: ReadableType, key: { param: unknown; cast: string }, select: string[] | undefined, excludeRid?: boolean): Promise<Record<string, unknown> | undefined> {
    const text = lookupText(this.repo, type, select, key.cast);
    // Building the object takes PostgreSQL longer to parse and plan than to run: prepare it once per connection.
    keepPrepared(text);
    const rows = (await this.repo.db.executeQuery<{ o: Record<string, unknown> }>(CompiledQuery.raw(text, [key.param]))).rows;
    return rows[0] && finishObject(type, rows[0].o, excludeRid);
  }
}

/**
 * `select <object> as o from <table> t where <primary key> = $1::<cast> limit 1` of a type and
 * selection, compiled once: by the index row it reads, which a changed definition or a new index
 * replaces (the snapshot is read anew), so entries never outlive what they were compiled from.
 * The object part has no parameters (names are literals): the key is the only one. The same
 * string is returned each time, which keeps looking it up cheap.
 */
const lookupTexts = new WeakMap<IndexRow, Map<string, string>>();

function lookupText(repo: OntologyRepository, type: ReadableType, select: string[] | undefined, cast: string): string {
  const index = type.index;
  const key = `${select ? `=${select.join('\u0000')}` : '*'}\u0001${cast}`;
  const cached = index && lookupTexts.get(index)?.get(key);
  if (cached) return cached;
  const compiled = sql`select ${objectJson(type, select)} as o from ${type.table()} t where ${type.primaryKey().ref} = ${null}::${sql.raw(cast)} limit 1`.compile(repo.db);
  if (compiled.parameters.length !== 1) throw new Error(`the object SQL of ${type.def.apiName} has parameters`);
  if (index) {
    const texts = lookupTexts.get(index) ?? new Map<string, string>();
    if (texts.size >= 100) texts.clear();
    texts.set(key, compiled.sql);
    lookupTexts.set(index, texts);
  }
  return compiled.sql;
}

/**
 * The keyset condition "after the token's row" for sort keys sorted `nulls last`: for each key
 * i, all earlier keys equal and key i after the token's value (a non-null value is followed by
 * greater — or smaller, descending — values and then by nulls; a null by nothing); when all keys
 * are equal, the tie-breaker decides.
 */
function keyset(keys: SortKey[], token: Token, ref: (k: SortKey, i: number) => RawBuilder<unknown>, tie: RawBuilder<unknown>): RawBuilder<boolean> {
  const value = (k: SortKey, i: number) => sql`${token.k[i]}::${sql.raw(k.pgType.replace(/ collate "C"$/, ''))}`;
  const equal = (k: SortKey, i: number) => (token.k[i] === null ? sql`${ref(k, i)} is null` : sql`${ref(k, i)} = ${value(k, i)}`);
  const arms: RawBuilder<unknown>[] = [];
  keys.forEach((k, i) => {
    if (token.k[i] === null) return;
    const prefix = keys.slice(0, i).map((kk, j) => equal(kk, j));
    const after = sql`(${ref(k, i)} ${sql.raw(k.direction === 'asc' ? '>' : '<')} ${value(k, i)} or ${ref(k, i)} is null)`;
    arms.push(sql.join([...prefix, after], sql` and `));
  });
  arms.push(sql.join([...keys.map((k, i) => equal(k, i)), tie], sql` and `));
  return sql<boolean>`(${sql.join(arms.map((a) => sql`(${a})`), sql` or `)})`;
}
