import { sql, type RawBuilder } from '@openfoundry/db';
import { InvalidArgumentError } from '@openfoundry/kernel';
import { pgType } from '../indexing/object-table.js';
import type { OntologyRepository } from '../ontology.repository.js';
import type { LinkSide, OntologyView } from './model.js';
import type { CompiledSet } from './object-set.js';
import { jsonValue } from './values.js';

/**
 * Foundry's `loadLinks`: a page of the set's objects (by primary key) and, for each requested
 * link, the objects it leads to as locators (`__apiName`, `__primaryKey`). Links whose target
 * does not exist (a dangling foreign key) are not links.
 */

const SOURCES_PER_PAGE = 1000;

export async function loadLinks(repo: OntologyRepository, view: OntologyView, set: CompiledSet, linkNames: string[], pageToken: string | undefined) {
  const [apiName, cond] = [...set.parts][0]!;
  const source = view.type(apiName);
  if (!linkNames.length || linkNames.length > 20) throw new InvalidArgumentError('InvalidLinks', { problem: 'name 1 to 20 links' });
  const links = linkNames.map((l) => view.link(apiName, l));
  if (!source.ready) return { data: [] };
  const pk = source.primaryKey('t');
  const cast = sql.raw(pgType(pk.def.dataType).replace(/ collate "C"$/, ''));
  let after: string | undefined;
  if (pageToken !== undefined) {
    try {
      after = JSON.parse(Buffer.from(pageToken, 'base64url').toString('utf8')) as string;
    } catch {
      /* checked below */
    }
    if (typeof after !== 'string') throw new InvalidArgumentError('InvalidPageToken', { pageToken });
  }
  const sources = await repo.query<{ pk: string; key: unknown }>(
    repo.db,
    sql<never>`select ${pk.ref}::text as pk, ${jsonValue(pk)} as key from ${source.table()} t where (${cond}) ${after === undefined ? sql`` : sql`and ${pk.ref} > ${after}::${cast}`}
      order by ${pk.ref} limit ${SOURCES_PER_PAGE + 1}`,
  );
  const more = sources.length > SOURCES_PER_PAGE;
  const page = more ? sources.slice(0, SOURCES_PER_PAGE) : sources;
  if (!page.length) return { data: [] };
  const keys = sql.join(page.map((s) => sql`${s.pk}::${cast}`));
  const linked = new Map<string, Array<{ targetObject: Record<string, unknown>; linkType: string }>>();
  for (const [i, link] of links.entries()) {
    for (const r of await repo.query<{ pk: string; target: unknown }>(repo.db, pairs(view, link, keys))) {
      const list = linked.get(r.pk) ?? [];
      list.push({ targetObject: { __apiName: link.target.def.apiName, __primaryKey: r.target }, linkType: linkNames[i]! });
      linked.set(r.pk, list);
    }
  }
  const data = page.map((s) => ({ sourceObject: { __apiName: apiName, __primaryKey: s.key }, linkedObjects: linked.get(s.pk) ?? [] }));
  return { data, ...(more ? { nextPageToken: Buffer.from(JSON.stringify(page[page.length - 1]!.pk), 'utf8').toString('base64url') } : {}) };
}

/** `(source primary key as text, target primary key as JSON)` of one link for the given source keys. */
function pairs(view: OntologyView, link: LinkSide, keys: RawBuilder<unknown>): RawBuilder<never> {
  const source = link.fromSide ? view.type(link.def.from.objectTypeApiName) : view.type(link.def.to.objectTypeApiName);
  const spk = source.primaryKey('s');
  const tpk = link.target.primaryKey('x');
  const target = link.target.table();
  if (link.def.join) {
    const [mine, theirs] = link.fromSide ? ['a', 'b'] : ['b', 'a'];
    return sql<never>`select l.${sql.id(mine)}::text as pk, ${jsonValue(tpk)} as target from ${view.linkTable(link)} l join ${target} x on ${tpk.ref} = l.${sql.id(theirs)}
      where l.${sql.id(mine)} in (${keys})`;
  }
  if (link.fromSide) {
    const fk = source.bind(link.def.foreignKey!, 's')!;
    return sql<never>`select ${spk.ref}::text as pk, ${jsonValue(tpk)} as target from ${source.table()} s join ${target} x on ${tpk.ref} = ${fk.ref} where ${spk.ref} in (${keys})`;
  }
  const fk = link.target.bind(link.def.foreignKey!, 'x')!;
  return sql<never>`select ${fk.ref}::text as pk, ${jsonValue(tpk)} as target from ${target} x where ${fk.ref} in (${keys})`;
}
