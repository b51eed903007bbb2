import { sql, type RawBuilder } from '@openfoundry/db';
import type { PropertyDataType, PropertyDef } from '../definitions/model.js';
import { OntologyErrors } from '../ontology.errors.js';

/**
 * Property values between Foundry's JSON and the object tables: request values become typed SQL
 * parameters (checked, never interpolated), columns become Foundry's JSON (`PropertyValue`).
 */

/** A property as a query sees it: its definition and the column that holds it (`t.c3`). */
export interface BoundProperty {
  def: PropertyDef;
  /** The column, qualified with the table alias. */
  ref: RawBuilder<unknown>;
  /** The unqualified column name. */
  column: string;
}

const INTEGER_RANGES: Record<string, [number, number]> = {
  byte: [-128, 127],
  short: [-32768, 32767],
  integer: [-2147483648, 2147483647],
};

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP_RE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)$/i;

/**
 * A request value for a property of type `t`, as a typed SQL parameter. Throws
 * `InvalidPropertyFilterValue` naming the property, the expected type and the filter.
 */
export function sqlValue(t: PropertyDataType, value: unknown, property: string, filter: string): RawBuilder<unknown> {
  const { param, cast } = checkedValue(t, value, property, filter);
  return sql`${param}::${sql.raw(cast)}`;
}

/** A request value for a property of type `t`, checked: the parameter and the SQL type it is cast to. */
export function checkedValue(t: PropertyDataType, value: unknown, property: string, filter: string): { param: unknown; cast: string } {
  const bad = () => OntologyErrors.invalidPropertyFilterValue(property, t.type, value, filter);
  switch (t.type) {
    case 'string':
      if (typeof value !== 'string') throw bad();
      if (value.includes('\0')) throw bad();
      return { param: value, cast: 'text' };
    case 'byte':
    case 'short':
    case 'integer': {
      const [min, max] = INTEGER_RANGES[t.type]!;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw bad();
      return { param: value, cast: 'integer' };
    }
    case 'long': {
      const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : typeof value === 'string' && /^-?\d{1,19}$/.test(value) ? value : undefined;
      if (text === undefined || BigInt(text) > 9223372036854775807n || BigInt(text) < -9223372036854775808n) throw bad();
      return { param: text, cast: 'bigint' };
    }
    case 'float':
    case 'double':
      if (typeof value === 'number' && Number.isFinite(value)) return { param: value, cast: 'double precision' };
      if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') return { param: value, cast: 'double precision' };
      throw bad();
    case 'decimal': {
      const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : typeof value === 'string' && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value) ? value : undefined;
      if (text === undefined) throw bad();
      return { param: text, cast: 'numeric' };
    }
    case 'boolean':
      if (typeof value !== 'boolean') throw bad();
      return { param: value, cast: 'boolean' };
    case 'date':
      if (typeof value !== 'string' || !DATE_RE.test(value) || Number.isNaN(Date.parse(value))) throw bad();
      return { param: value, cast: 'date' };
    case 'timestamp':
      if (typeof value !== 'string' || !TIMESTAMP_RE.test(value) || Number.isNaN(Date.parse(value))) throw bad();
      return { param: value, cast: 'timestamptz' };
    case 'geopoint':
    case 'array':
      throw bad();
  }
}

/** The element type of an array property, or the type itself. */
export function elementType(t: PropertyDataType): PropertyDataType {
  return t.type === 'array' ? t.subType : t;
}

/** A column as Foundry's JSON value (jsonb): timestamps ISO-8601 in UTC, geopoints GeoJSON, longs and decimals exact. */
export function jsonValue(p: BoundProperty): RawBuilder<unknown> {
  const c = p.ref;
  switch (p.def.dataType.type) {
    case 'timestamp':
      return sql`to_jsonb(to_char(${c} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`;
    case 'geopoint':
      return sql`case when ${c} is null then null else jsonb_build_object('type', 'Point', 'coordinates', jsonb_build_array(${c}[0], ${c}[1])) end`;
    case 'float':
    case 'double':
      // JSON has no NaN or infinities: Foundry sends them as strings.
      return sql`case when ${c} in ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8) then to_jsonb(${c}::text) else to_jsonb(${c}) end`;
    case 'long':
    case 'decimal':
      // Exact beyond 2^53: Foundry sends both as strings.
      return sql`to_jsonb(${c}::text)`;
    default:
      return sql`to_jsonb(${c})`;
  }
}

/**
 * A JSON object of `entries` (name → jsonb), without null members. PostgreSQL functions take at
 * most 100 arguments, so wide objects are built in parts and concatenated.
 */
export function jsonObject(entries: Array<[string, RawBuilder<unknown>]>): RawBuilder<unknown> {
  if (!entries.length) return sql`'{}'::jsonb`;
  const parts: RawBuilder<unknown>[] = [];
  for (let i = 0; i < entries.length; i += 40) {
    const chunk = entries.slice(i, i + 40);
    // Names as literals: the object's SQL has no parameters of its own, so it can be compiled once (objects.ts `one`).
    parts.push(sql`jsonb_build_object(${sql.join(chunk.flatMap(([k, v]) => [sql`${sql.lit(k)}::text`, v]))})`);
  }
  return sql`jsonb_strip_nulls(${sql.join(parts, sql` || `)})`;
}
