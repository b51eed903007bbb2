import { sql, type RawBuilder } from '@openfoundry/db';
import { OntologyErrors } from '../ontology.errors.js';
import { elementType, sqlValue, type BoundProperty } from './values.js';

/**
 * Foundry's `SearchJsonQueryV2` compiled to a SQL condition over one object table. Every value is
 * a typed parameter; property names resolve through `resolve` (unknown ones are
 * `PropertiesNotFound`), so nothing from the request reaches the SQL text.
 */

export type PropertyResolver = (apiName: string) => BoundProperty | undefined;

const MAX_DEPTH = 32;
const MAX_IN_VALUES = 10_000;

const METERS: Record<string, number> = {
  MILLIMETERS: 0.001,
  CENTIMETERS: 0.01,
  METERS: 1,
  KILOMETERS: 1000,
  INCHES: 0.0254,
  FEET: 0.3048,
  YARDS: 0.9144,
  MILES: 1609.344,
  NAUTICAL_MILES: 1852,
};

type Filter = Record<string, unknown> & { type?: unknown };

function isObject(v: unknown): v is Filter {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Words of a term query, as PostgreSQL's `simple` configuration splits them. */
function words(value: unknown, filter: string): string[] {
  if (typeof value !== 'string') throw OntologyErrors.malformedFilter(`${filter} needs a string value`);
  return value
    .toLowerCase()
    .split(/[^\p{L}\p{N}_]+/u)
    .filter((w) => w.length > 0)
    .slice(0, 64);
}

function point(v: unknown, filter: string): [number, number] {
  const coords = isObject(v) && Array.isArray(v.coordinates) ? v.coordinates : undefined;
  const [lon, lat] = (coords ?? []) as unknown[];
  if (typeof lon !== 'number' || typeof lat !== 'number' || !Number.isFinite(lon) || !Number.isFinite(lat) || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
    throw OntologyErrors.malformedFilter(`${filter} needs GeoJSON points ({ type: 'Point', coordinates: [longitude, latitude] })`);
  }
  return [lon, lat];
}

export class FilterCompiler {
  constructor(
    private readonly resolve: PropertyResolver,
    private readonly objectType: string,
  ) {}

  compile(filter: unknown, depth = 0): RawBuilder<boolean> {
    if (depth > MAX_DEPTH) throw OntologyErrors.malformedFilter(`filters may nest at most ${MAX_DEPTH} levels`);
    if (!isObject(filter) || typeof filter.type !== 'string') throw OntologyErrors.malformedFilter('a filter is an object with a type');
    const type = filter.type;
    switch (type) {
      case 'and':
      case 'or': {
        if (!Array.isArray(filter.value)) throw OntologyErrors.malformedFilter(`${type} needs a list of filters`);
        if (!filter.value.length) return type === 'and' ? sql<boolean>`true` : sql<boolean>`false`;
        const parts = filter.value.map((f) => sql`(${this.compile(f, depth + 1)})`);
        return sql<boolean>`${sql.join(parts, type === 'and' ? sql` and ` : sql` or `)}`;
      }
      case 'not':
        return sql<boolean>`not coalesce((${this.compile(filter.value, depth + 1)}), false)`;
      default:
        return this.leaf(type, filter);
    }
  }

  private property(filter: Filter, type: string): BoundProperty {
    const id = filter.propertyIdentifier;
    const name = typeof filter.field === 'string' ? filter.field : isObject(id) && id.type === 'property' && typeof id.apiName === 'string' ? id.apiName : undefined;
    if (name === undefined) throw OntologyErrors.malformedFilter(`${type} needs a field (or a propertyIdentifier of type property)`);
    const p = this.resolve(name);
    if (!p) throw OntologyErrors.propertiesNotFound(this.objectType, [name]);
    return p;
  }

  private leaf(type: string, filter: Filter): RawBuilder<boolean> {
    const p = this.property(filter, type);
    const t = p.def.dataType;
    const c = p.ref;
    const v = filter.value;
    switch (type) {
      case 'eq':
        if (t.type === 'array') return sql<boolean>`${c} = ${JSON.stringify(v)}::jsonb`;
        return sql<boolean>`${c} = ${sqlValue(t, v, p.def.apiName, type)}`;
      case 'gt':
      case 'gte':
      case 'lt':
      case 'lte': {
        const op = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[type];
        if (t.type === 'boolean' || t.type === 'array' || t.type === 'geopoint') throw OntologyErrors.invalidPropertyType(p.def.apiName, t.type, `${type} needs an ordered property`);
        return sql<boolean>`${c} ${sql.raw(op)} ${sqlValue(t, v, p.def.apiName, type)}`;
      }
      case 'isNull':
        if (typeof v !== 'boolean') throw OntologyErrors.malformedFilter('isNull needs a boolean value');
        return v ? sql<boolean>`${c} is null` : sql<boolean>`${c} is not null`;
      case 'in': {
        if (!Array.isArray(v) || v.length > MAX_IN_VALUES) throw OntologyErrors.malformedFilter(`in needs a list of at most ${MAX_IN_VALUES} values`);
        // Palantir's client documents `$in: []` as matching every object.
        if (!v.length) return sql<boolean>`true`;
        if (t.type === 'array') return sql<boolean>`${c} in (${sql.join(v.map((x) => sql`${JSON.stringify(x)}::jsonb`))})`;
        return sql<boolean>`${c} in (${sql.join(v.map((x) => sqlValue(t, x, p.def.apiName, type)))})`;
      }
      case 'contains': {
        // An array property holding the value.
        if (t.type !== 'array') throw OntologyErrors.invalidPropertyType(p.def.apiName, t.type, 'contains needs an array property');
        sqlValue(elementType(t), v, p.def.apiName, type);
        return sql<boolean>`${c} @> ${JSON.stringify([v])}::jsonb`;
      }
      case 'startsWith':
      case 'containsAnyTerm':
      case 'containsAllTerms':
      case 'containsAllTermsInOrder':
      case 'containsAllTermsInOrderPrefixLastTerm':
      case 'wildcard':
        return this.text(type, p, v);
      case 'withinDistanceOf': {
        this.geo(p, type);
        if (!isObject(v) || !isObject(v.distance)) throw OntologyErrors.malformedFilter('withinDistanceOf needs { center, distance: { value, unit } }');
        const [lon, lat] = point(v.center, type);
        const unit = METERS[String(v.distance.unit)];
        const value = v.distance.value;
        if (unit === undefined || typeof value !== 'number' || !(value >= 0)) throw OntologyErrors.malformedFilter('withinDistanceOf needs a non-negative distance with a known unit');
        // Haversine distance on a sphere of the Earth's mean radius.
        return sql<boolean>`2 * 6371008.8 * asin(sqrt(power(sin(radians(${c}[1] - ${lat}::float8) / 2), 2) + cos(radians(${lat}::float8)) * cos(radians(${c}[1])) * power(sin(radians(${c}[0] - ${lon}::float8) / 2), 2))) <= ${value * unit}::float8`;
      }
      case 'withinBoundingBox':
      case 'intersectsBoundingBox':
      case 'doesNotIntersectBoundingBox': {
        this.geo(p, type);
        if (!isObject(v)) throw OntologyErrors.malformedFilter(`${type} needs { topLeft, bottomRight }`);
        const [west, north] = point(v.topLeft, type);
        const [east, south] = point(v.bottomRight, type);
        const inside = sql<boolean>`box(point(${west}::float8, ${south}::float8), point(${east}::float8, ${north}::float8)) @> ${c}`;
        return type === 'doesNotIntersectBoundingBox' ? sql<boolean>`not (${inside})` : inside;
      }
      case 'withinPolygon':
      case 'intersectsPolygon':
      case 'doesNotIntersectPolygon': {
        this.geo(p, type);
        const ring = isObject(v) && Array.isArray(v.coordinates) && Array.isArray(v.coordinates[0]) ? (v.coordinates[0] as unknown[]) : undefined;
        if (!ring || ring.length < 4 || ring.length > 10_000) throw OntologyErrors.malformedFilter(`${type} needs a GeoJSON polygon with a closed ring of 4 to 10,000 positions`);
        const pts = ring.map((pos) => point({ coordinates: pos }, type));
        const text = `(${pts.map(([x, y]) => `(${x},${y})`).join(',')})`;
        const inside = sql<boolean>`${text}::polygon @> ${c}`;
        return type === 'doesNotIntersectPolygon' ? sql<boolean>`not (${inside})` : inside;
      }
      default:
        throw OntologyErrors.malformedFilter(`unknown filter type ${type}`);
    }
  }

  private geo(p: BoundProperty, type: string): void {
    if (p.def.dataType.type !== 'geopoint') throw OntologyErrors.invalidPropertyType(p.def.apiName, p.def.dataType.type, `${type} needs a geopoint property`);
  }

  /** Term filters over a string property (words as PostgreSQL's `simple` text search splits them). */
  private text(type: string, p: BoundProperty, v: unknown): RawBuilder<boolean> {
    if (p.def.dataType.type !== 'string') throw OntologyErrors.invalidPropertyType(p.def.apiName, p.def.dataType.type, `${type} needs a string property`);
    if (typeof v !== 'string') throw OntologyErrors.invalidPropertyFilterValue(p.def.apiName, 'string', v, type);
    const c = p.ref;
    if (type === 'startsWith') return sql<boolean>`starts_with(${c}, ${v}::text)`;
    if (type === 'wildcard') {
      const pattern = v.replace(/[\\%_]/g, (m) => `\\${m}`).replace(/\*/g, '%').replace(/\?/g, '_');
      return sql<boolean>`${c} ilike ${pattern}::text`;
    }
    const terms = words(v, type);
    if (!terms.length) return sql<boolean>`false`;
    const vector = sql`to_tsvector('simple', coalesce(${c}, ''))`;
    const lexeme = (w: string, prefix = false) => sql`to_tsquery('simple', ${`'${w.replace(/'/g, "''")}'${prefix ? ':*' : ''}`}::text)`;
    if (type === 'containsAnyTerm') return sql<boolean>`${vector} @@ (${sql.join(terms.map((w) => lexeme(w)), sql` || `)})`;
    if (type === 'containsAllTerms') return sql<boolean>`${vector} @@ (${sql.join(terms.map((w) => lexeme(w)), sql` && `)})`;
    const last = terms.length - 1;
    const phrase = terms.map((w, i) => lexeme(w, type === 'containsAllTermsInOrderPrefixLastTerm' && i === last));
    return sql<boolean>`${vector} @@ (${phrase.reduce((a, b) => sql`tsquery_phrase(${a}, ${b})`)})`;
  }
}
