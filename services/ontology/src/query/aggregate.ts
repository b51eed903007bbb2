import { sql, type RawBuilder } from '@openfoundry/db';
import type { PropertyDataType } from '../definitions/model.js';
import type { OntologyRepository } from '../ontology.repository.js';
import { OntologyErrors } from '../ontology.errors.js';
import type { OntologyView } from './model.js';
import { resolverFor, type CompiledSet } from './object-set.js';
import { jsonValue, sqlValue, type BoundProperty } from './values.js';

/**
 * Foundry's aggregations (`AggregateObjectSetRequestV2`) in one SQL statement: every type of the
 * set projects its group keys and metric inputs, the union is grouped, ordered and limited in
 * the database.
 */

export interface AggregateRequest {
  aggregation: unknown[];
  groupBy?: unknown[] | undefined;
  accuracy?: string | undefined;
}

export interface AggregateResponse {
  excludedItems: number;
  accuracy: 'ACCURATE' | 'APPROXIMATE';
  data: Array<{ group: Record<string, unknown>; metrics: Array<{ name: string; value: unknown }> }>;
}

/** Most groups one aggregation may answer (Foundry's limit). */
export const MAX_GROUPS = 10_000;

const NUMERIC = new Set(['byte', 'short', 'integer', 'long', 'float', 'double', 'decimal']);
const ORDERED = new Set([...NUMERIC, 'date', 'timestamp', 'string', 'boolean']);
const UNITS: Record<string, { interval?: string; months?: number }> = {
  MILLISECONDS: { interval: 'millisecond' },
  SECONDS: { interval: 'second' },
  MINUTES: { interval: 'minute' },
  HOURS: { interval: 'hour' },
  DAYS: { interval: 'day' },
  WEEKS: { interval: 'week' },
  MONTHS: { months: 1 },
  QUARTERS: { months: 3 },
  YEARS: { months: 12 },
};

type Json = Record<string, unknown>;

interface Metric {
  name: string;
  type: string;
  field: string | undefined;
  direction: 'asc' | 'desc' | undefined;
  percentile?: number;
  dataType: PropertyDataType | undefined;
}

interface Group {
  name: string;
  type: string;
  dataType: PropertyDataType;
  /** The bucket expression of a property (a column under alias `t`). */
  expr: (p: BoundProperty) => RawBuilder<unknown>;
  /** Extra condition on each row (ranges, nulls). */
  include: boolean;
  limit: number | undefined;
  ranges?: Array<{ startValue?: unknown; endValue?: unknown }>;
  /** The JSON type of the bucket value. */
  outType: PropertyDataType;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function directionOf(v: unknown): 'asc' | 'desc' | undefined {
  if (v === undefined || v === null) return undefined;
  const d = String(v).toLowerCase();
  if (d !== 'asc' && d !== 'desc') throw OntologyErrors.invalidOrderBy(v, 'aggregation direction must be ASC or DESC');
  return d;
}

export class Aggregator {
  constructor(
    private readonly repo: OntologyRepository,
    private readonly view: OntologyView,
  ) {}

  async aggregate(set: CompiledSet, request: AggregateRequest): Promise<AggregateResponse> {
    if (!Array.isArray(request.aggregation) || request.aggregation.length > 100) throw OntologyErrors.malformedFilter('aggregation needs a list of at most 100 metrics');
    const groupBy = request.groupBy ?? [];
    if (!Array.isArray(groupBy) || groupBy.length > 10) throw OntologyErrors.malformedFilter('groupBy needs a list of at most 10 groupings');
    const types = [...set.parts.keys()].map((k) => this.view.type(k)).filter((t) => t.ready);
    const label = set.view.kind === 'mixed' ? [...set.parts.keys()].join(',') : set.view.apiName;
    const typeOf = (field: string): PropertyDataType => {
      let found: PropertyDataType | undefined;
      for (const apiName of set.parts.keys()) {
        const p = resolverFor(this.view, this.view.type(apiName), set.view)(field);
        if (!p) throw OntologyErrors.propertiesNotFound(label, [field]);
        found ??= p.def.dataType;
      }
      if (!found) throw OntologyErrors.propertiesNotFound(label, [field]);
      return found;
    };
    const metrics = request.aggregation.map((a) => this.metric(a, typeOf));
    const names = metrics.map((m) => m.name);
    if (new Set(names).size !== names.length) throw OntologyErrors.malformedFilter(`metric names must be unique: ${names.join(', ')}`);
    const groups = groupBy.map((g) => this.group(g, typeOf));

    if (!types.length) return { excludedItems: 0, accuracy: 'ACCURATE', data: groups.length ? [] : [{ group: {}, metrics: metrics.map((m) => ({ name: m.name, value: m.type === 'count' || m.type.endsWith('Distinct') ? 0 : undefined })) }] };

    const branches = types.map((type) => {
      const resolve = resolverFor(this.view, type, set.view);
      const cols: RawBuilder<unknown>[] = [];
      const conds: RawBuilder<unknown>[] = [set.parts.get(type.def.apiName)!];
      let from = sql`${type.table()} t`;
      groups.forEach((g, i) => {
        const p = resolve(g.name)!;
        if (g.ranges) {
          const values = g.ranges.map((r, j) => sql`(${j}, ${r.startValue === undefined ? sql`null` : sqlValue(g.dataType, r.startValue, g.name, 'ranges')}, ${r.endValue === undefined ? sql`null` : sqlValue(g.dataType, r.endValue, g.name, 'ranges')})`);
          from = sql`${from} join lateral (values ${sql.join(values)}) ${sql.id(`r${i}`)}(i, s, e) on (${sql.id(`r${i}`)}.s is null or ${p.ref} >= ${sql.id(`r${i}`)}.s) and (${sql.id(`r${i}`)}.e is null or ${p.ref} < ${sql.id(`r${i}`)}.e)`;
          cols.push(sql`${sql.id(`r${i}`)}.i as ${sql.id(`g${i}`)}`);
        } else {
          cols.push(sql`${g.expr(p)} as ${sql.id(`g${i}`)}`);
          if (!g.include) conds.push(sql`${p.ref} is not null`);
        }
      });
      metrics.forEach((m, i) => {
        if (m.field) cols.push(sql`${resolve(m.field)!.ref} as ${sql.id(`m${i}`)}`);
      });
      if (!cols.length) cols.push(sql`1 as one`);
      return sql`select ${sql.join(cols)} from ${from} where ${sql.join(conds, sql` and `)}`;
    });

    const groupRefs = groups.map((_g, i) => sql`u.${sql.id(`g${i}`)}`);
    const metricSql = metrics.map((m, i) => {
      const c = sql`u.${sql.id(`m${i}`)}`;
      switch (m.type) {
        case 'count':
          return sql`count(*)`;
        case 'sum':
          return sql`sum(${c})`;
        case 'avg':
          return sql`avg(${c})::float8`;
        case 'min':
          return sql`min(${c})`;
        case 'max':
          return sql`max(${c})`;
        case 'approximateDistinct':
        case 'exactDistinct':
          return sql`count(distinct ${c})`;
        default:
          return sql`percentile_cont(${m.percentile!}::float8) within group (order by ${c})`;
      }
    });
    const outMetric = (m: Metric, i: number): RawBuilder<unknown> => {
      const v = sql`a.${sql.id(`v${i}`)}`;
      if ((m.type === 'min' || m.type === 'max') && m.dataType && !NUMERIC.has(m.dataType.type)) return jsonValue({ def: { dataType: m.dataType } as never, ref: v, column: '' });
      // Counts and sums of integers are exact; Foundry sends every metric as a JSON number.
      return sql`to_jsonb(${v}::float8)`;
    };
    const outGroup = (g: Group, i: number): RawBuilder<unknown> => {
      const v = sql`a.${sql.id(`g${i}`)}`;
      if (g.ranges) {
        const cases = g.ranges.map((r, j) => sql`when ${j} then ${JSON.stringify({ ...(r.startValue !== undefined ? { startValue: r.startValue } : {}), ...(r.endValue !== undefined ? { endValue: r.endValue } : {}) })}::jsonb`);
        return sql`case ${v} ${sql.join(cases, sql` `)} end`;
      }
      return jsonValue({ def: { dataType: g.outType } as never, ref: v, column: '' });
    };
    const ordered = metrics.flatMap((m, i) => (m.direction ? [sql`a.${sql.id(`v${i}`)} ${sql.raw(m.direction)} nulls last`] : []));
    const countIndex = metrics.findIndex((m) => m.type === 'count');
    const order = ordered.length ? ordered : groups.length ? [sql`a.__n desc`, ...groups.map((_g, i) => sql`a.${sql.id(`g${i}`)} asc nulls first`)] : [sql`1`];
    const limits = groups.map((g) => g.limit);
    const explicitLimit = limits.some((l) => l !== undefined) ? Math.min(MAX_GROUPS, limits.reduce<number>((a, l) => a * (l ?? MAX_GROUPS), 1)) : undefined;
    const limit = explicitLimit ?? MAX_GROUPS;
    const rows = await this.repo.query<{ g: Record<string, unknown>; m: unknown[] }>(
      this.repo.db,
      sql<never>`select jsonb_build_object(${sql.join(groups.length ? groups.flatMap((g, i) => [sql`${g.name}::text`, outGroup(g, i)]) : [sql`'_'::text`, sql`null`])}) as g,
          jsonb_build_array(${metrics.length ? sql.join(metrics.map((m, i) => outMetric(m, i))) : sql``}) as m
        from (
          select ${sql.join([...groupRefs.map((r, i) => sql`${r} as ${sql.id(`g${i}`)}`), sql`count(*) as __n`, ...metricSql.map((m, i) => sql`${m} as ${sql.id(`v${i}`)}`)])}
          from (${sql.join(branches.map((b) => sql`(${b})`), sql` union all `)}) u
          ${groups.length ? sql`group by ${sql.join(groupRefs)}` : sql``}
        ) a order by ${sql.join(order)} limit ${limit + 1}`,
    );
    void countIndex;
    if (rows.length > limit && explicitLimit === undefined) throw OntologyErrors.groupCountExceeded(rows.length, MAX_GROUPS);
    return {
      excludedItems: 0,
      accuracy: 'ACCURATE',
      data: rows.slice(0, limit).map((r) => ({ group: groups.length ? r.g : {}, metrics: metrics.map((m, i) => ({ name: m.name, value: r.m[i] ?? undefined })) })),
    };
  }

  private metric(a: unknown, typeOf: (field: string) => PropertyDataType): Metric {
    if (!isObject(a) || typeof a.type !== 'string') throw OntologyErrors.malformedFilter('a metric is an object with a type');
    const type = a.type;
    const direction = directionOf(a.direction);
    if (type === 'count') return { name: typeof a.name === 'string' ? a.name : 'count', type, field: undefined, direction, dataType: undefined };
    if (!['sum', 'avg', 'min', 'max', 'approximateDistinct', 'exactDistinct', 'approximatePercentile'].includes(type)) throw OntologyErrors.malformedFilter(`unknown metric type ${type}`);
    if (typeof a.field !== 'string') throw OntologyErrors.malformedFilter(`${type} needs a field`);
    const dataType = typeOf(a.field);
    if ((type === 'sum' || type === 'avg' || type === 'approximatePercentile') && !NUMERIC.has(dataType.type)) throw OntologyErrors.metricNotSupported(a.field, type, dataType.type);
    if ((type === 'min' || type === 'max') && !ORDERED.has(dataType.type)) throw OntologyErrors.metricNotSupported(a.field, type, dataType.type);
    if ((type === 'approximateDistinct' || type === 'exactDistinct') && dataType.type === 'geopoint') throw OntologyErrors.metricNotSupported(a.field, type, dataType.type);
    const metric: Metric = { name: typeof a.name === 'string' ? a.name : `${a.field}.${type}`, type, field: a.field, direction, dataType };
    if (type === 'approximatePercentile') {
      const p = a.approximatePercentile;
      if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw OntologyErrors.malformedFilter('approximatePercentile needs a percentile between 0 and 1');
      metric.percentile = p;
    }
    return metric;
  }

  private group(g: unknown, typeOf: (field: string) => PropertyDataType): Group {
    if (!isObject(g) || typeof g.type !== 'string' || typeof g.field !== 'string') throw OntologyErrors.malformedFilter('a groupBy is an object with a type and a field');
    const name = g.field;
    const dataType = typeOf(name);
    if (dataType.type === 'geopoint' || dataType.type === 'array') throw OntologyErrors.invalidPropertyType(name, dataType.type, 'cannot group by this property type');
    switch (g.type) {
      case 'exact': {
        const limit = g.maxGroupCount === undefined ? undefined : Number(g.maxGroupCount);
        if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > MAX_GROUPS)) throw OntologyErrors.malformedFilter(`maxGroupCount must be between 1 and ${MAX_GROUPS}`);
        return { name, type: 'exact', dataType, expr: (p) => p.ref, include: g.includeNullValues === true, limit, outType: dataType };
      }
      case 'fixedWidth': {
        const width = g.fixedWidth;
        if (!NUMERIC.has(dataType.type)) throw OntologyErrors.invalidPropertyType(name, dataType.type, 'fixedWidth needs a numeric property');
        if (typeof width !== 'number' || !(width > 0)) throw OntologyErrors.invalidAggregationRange('fixedWidth must be a positive number');
        return { name, type: 'fixedWidth', dataType, expr: (p) => sql`floor(${p.ref}::float8 / ${width}::float8) * ${width}::float8`, include: false, limit: undefined, outType: { type: 'double' } };
      }
      case 'ranges': {
        if (!Array.isArray(g.ranges) || !g.ranges.length || g.ranges.length > 1000) throw OntologyErrors.invalidAggregationRange('ranges needs a list of 1 to 1,000 ranges');
        if (!NUMERIC.has(dataType.type) && dataType.type !== 'date' && dataType.type !== 'timestamp') throw OntologyErrors.invalidPropertyType(name, dataType.type, 'ranges need a numeric, date or timestamp property');
        const ranges = g.ranges.map((r) => {
          if (!isObject(r) || (r.startValue === undefined && r.endValue === undefined)) throw OntologyErrors.invalidAggregationRange('each range needs a startValue, an endValue or both');
          return { startValue: r.startValue ?? undefined, endValue: r.endValue ?? undefined };
        });
        return { name, type: 'ranges', dataType, expr: (p) => p.ref, include: false, limit: undefined, ranges, outType: dataType };
      }
      case 'duration': {
        if (dataType.type !== 'date' && dataType.type !== 'timestamp') throw OntologyErrors.invalidDurationGroupBy(name, 'duration needs a date or timestamp property');
        const unit = UNITS[String(g.unit)];
        const value = g.value;
        if (!unit || typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw OntologyErrors.invalidDurationGroupBy(name, 'duration needs a positive integer value and a unit (SECONDS … YEARS)');
        if (dataType.type === 'date' && unit.interval && unit.interval !== 'day' && unit.interval !== 'week') throw OntologyErrors.invalidDurationGroupBy(name, 'dates group by DAYS, WEEKS, MONTHS, QUARTERS or YEARS');
        const expr = (p: BoundProperty) => {
          const ts = dataType.type === 'date' ? sql`${p.ref}::timestamp` : sql`(${p.ref} at time zone 'UTC')`;
          let bucket: RawBuilder<unknown>;
          if (unit.months) {
            const months = unit.months * value;
            bucket = sql`(date_trunc('month', ${ts}) - (((extract(year from ${ts})::int * 12 + extract(month from ${ts})::int - 1) % ${months}::int) * interval '1 month'))`;
          } else {
            // Weeks start on Mondays (1970-01-05 was one).
            const origin = unit.interval === 'week' ? '1970-01-05' : '1970-01-01';
            bucket = sql`date_bin(${`${value} ${unit.interval}`}::interval, ${ts}, ${origin}::timestamp)`;
          }
          return dataType.type === 'date' ? sql`${bucket}::date` : sql`(${bucket} at time zone 'UTC')`;
        };
        return { name, type: 'duration', dataType, expr, include: false, limit: undefined, outType: dataType };
      }
      default:
        throw OntologyErrors.malformedFilter(`unknown groupBy type ${g.type}`);
    }
  }
}
