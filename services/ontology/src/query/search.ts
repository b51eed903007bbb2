import { sql, type RawBuilder } from '@openfoundry/db';
import { pgType, searchVector } from '../indexing/object-table.js';
import type { OntologyRepository } from '../ontology.repository.js';
import type { OntologyView, ReadableType } from './model.js';
import { finishObject, objectJson } from './objects.js';

/**
 * Keyword search across the object types a principal can read, on PostgreSQL full-text search:
 * every type's searchable string properties are one `tsvector` (GIN-indexed), matched against
 * the query's words (the last one as a prefix, for search-as-you-type), ranked with `ts_rank`,
 * with the matching properties highlighted. Facets count the matches per type.
 */

export interface SearchHit {
  objectType: string;
  primaryKey: unknown;
  title: unknown;
  rank: number;
  /** Matching properties, each as text segments (`match` marks the matched words). */
  highlights: Array<{ property: string; segments: Array<{ text: string; match: boolean }> }>;
  object: Record<string, unknown>;
}

export interface SearchResult {
  data: SearchHit[];
  facets: Array<{ objectType: string; count: number }>;
}

// Markers PostgreSQL puts around highlighted words; control characters cannot come from indexed text (NUL aside, refused at indexing).
const START = '\u0001';
const STOP = '\u0002';

/** The query's words for the `simple` configuration; the last one matches as a prefix. */
export function searchWords(query: string): string[] {
  return query
    .toLowerCase()
    .split(/[^\p{L}\p{N}_]+/u)
    .filter((w) => w.length > 0)
    .slice(0, 16);
}

function tsquery(words: string[]): RawBuilder<unknown> {
  const text = words.map((w, i) => `'${w.replace(/'/g, "''")}'${i === words.length - 1 ? ':*' : ''}`).join(' & ');
  return sql`to_tsquery('simple', ${text}::text)`;
}

function searchable(type: ReadableType): string[] {
  return type.def.properties.filter((p) => p.searchable && p.dataType.type === 'string' && type.bind(p.apiName)).map((p) => p.apiName);
}

function segments(headline: string): Array<{ text: string; match: boolean }> {
  const out: Array<{ text: string; match: boolean }> = [];
  for (const part of headline.split(START)) {
    const [matched, rest] = part.includes(STOP) ? (part.split(STOP, 2) as [string, string]) : [undefined, part];
    if (matched) out.push({ text: matched, match: true });
    if (rest) out.push({ text: rest, match: false });
  }
  return out;
}

export async function searchObjects(repo: OntologyRepository, view: OntologyView, request: { query: string; objectTypes?: string[] | undefined; pageSize: number }): Promise<SearchResult> {
  const words = searchWords(request.query);
  const candidates = (request.objectTypes?.length ? request.objectTypes.map((t) => view.type(t)) : [...view.types.values()]).filter((t) => t.ready && searchable(t).length);
  if (!words.length || !candidates.length) return { data: [], facets: [] };
  const q = tsquery(words);
  // The expression the type's GIN index is built on (object-table.ts).
  const vector = (t: ReadableType) => searchVector(t.def, t.index!.active_columns!, 't')!;
  const branches = candidates.map(
    (t) => sql`(select ${t.def.apiName}::text as ty, ${t.primaryKey().ref}::text as pk, ts_rank(${vector(t)}, q.q) as rank
      from ${t.table()} t, (select ${q} as q) q where ${vector(t)} @@ q.q order by rank desc limit ${request.pageSize})`,
  );
  const top = await repo.query<{ ty: string; pk: string; rank: number }>(repo.db, sql<never>`select * from (${sql.join(branches, sql` union all `)}) u order by rank desc, ty, pk limit ${request.pageSize}`);
  const facets = await repo.query<{ ty: string; n: string }>(
    repo.db,
    sql<never>`${sql.join(
      candidates.map((t) => sql`(select ${t.def.apiName}::text as ty, count(*)::text as n from ${t.table()} t where ${vector(t)} @@ ${q})`),
      sql` union all `,
    )}`,
  );
  // The hits' objects and highlights, one query per type (headlines only for the top hits).
  const found = new Map<string, { o: Record<string, unknown>; h: Array<string | null> }>();
  for (const ty of new Set(top.map((h) => h.ty))) {
    const t = view.type(ty);
    const pk = t.primaryKey();
    const cast = sql.raw(pgType(pk.def.dataType).replace(/ collate "C"$/, ''));
    const keys = top.filter((h) => h.ty === ty).map((h) => sql`${h.pk}::${cast}`);
    const heads = searchable(t).map((name) => {
      const c = t.bind(name)!.ref;
      return sql`case when to_tsvector('simple', coalesce(${c}, '')) @@ ${q} then ts_headline('simple', ${c}, ${q}, ${`StartSel=${START}, StopSel=${STOP}, MaxFragments=2, MaxWords=20, MinWords=5`}::text) end`;
    });
    const rows = await repo.query<{ pk: string; o: Record<string, unknown>; h: Array<string | null> }>(
      repo.db,
      sql<never>`select ${pk.ref}::text as pk, ${objectJson(t, undefined)} as o, jsonb_build_array(${sql.join(heads)}) as h from ${t.table()} t where ${pk.ref} in (${sql.join(keys)})`,
    );
    for (const r of rows) found.set(`${ty}\u0000${r.pk}`, r);
  }
  const data: SearchHit[] = [];
  for (const hit of top) {
    const row = found.get(`${hit.ty}\u0000${hit.pk}`);
    if (!row) continue;
    const t = view.type(hit.ty);
    const o = finishObject(t, row.o, false);
    const props = searchable(t);
    data.push({
      objectType: t.def.apiName,
      primaryKey: o.__primaryKey,
      title: o.__title,
      rank: Number(hit.rank),
      highlights: props.flatMap((property, i) => (row.h[i] ? [{ property, segments: segments(row.h[i]!) }] : [])),
      object: o,
    });
  }
  return { data, facets: facets.map((f) => ({ objectType: f.ty, count: Number(f.n) })).filter((f) => f.count > 0) };
}
