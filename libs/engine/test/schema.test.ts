import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@openfoundry/kernel';
import type { DatasetFieldSchema, DatasetSchema } from '../src/engine.types.js';
import { duckdbTypeSql, fieldFromDuckDBType, isCanonicalDuckDBType, schemasCompatible, UnsupportedColumnTypeError, validateSchema } from '../src/schema.js';
import { useEngine } from './helpers.js';

const { engine } = useEngine();

async function typeOf(sqlType: string) {
  return engine().withConnection(async (c) => (await c.run(`SELECT CAST(NULL AS ${sqlType}) AS v`)).columnTypes()[0]!);
}

describe('DuckDB → Foundry', () => {
  it.each([
    ['BOOLEAN', { type: 'BOOLEAN' }, true],
    ['TINYINT', { type: 'BYTE' }, true],
    ['SMALLINT', { type: 'SHORT' }, true],
    ['INTEGER', { type: 'INTEGER' }, true],
    ['BIGINT', { type: 'LONG' }, true],
    ['FLOAT', { type: 'FLOAT' }, true],
    ['DOUBLE', { type: 'DOUBLE' }, true],
    ['DECIMAL(12,3)', { type: 'DECIMAL', precision: 12, scale: 3 }, true],
    ['VARCHAR', { type: 'STRING' }, true],
    ['DATE', { type: 'DATE' }, true],
    ['TIMESTAMP WITH TIME ZONE', { type: 'TIMESTAMP' }, true],
    ['TIMESTAMP', { type: 'TIMESTAMP' }, false],
    ['TIMESTAMP_NS', { type: 'TIMESTAMP' }, false],
    ['BLOB', { type: 'BINARY' }, true],
    ['UTINYINT', { type: 'SHORT' }, false],
    ['UINTEGER', { type: 'LONG' }, false],
    ['UBIGINT', { type: 'DECIMAL', precision: 20, scale: 0 }, false],
    ['HUGEINT', { type: 'DECIMAL', precision: 38, scale: 0 }, false],
    ['UUID', { type: 'STRING' }, false],
    ['TIME', { type: 'STRING' }, false],
    ['INTERVAL', { type: 'STRING' }, false],
    ['JSON', { type: 'STRING' }, false],
  ])('%s', async (sqlType, expected, canonical) => {
    const type = await typeOf(sqlType);
    expect(fieldFromDuckDBType(type, 'c')).toEqual({ name: 'c', nullable: true, ...expected });
    expect(isCanonicalDuckDBType(type)).toBe(canonical);
  });

  it('maps nested types recursively', async () => {
    const type = await typeOf('STRUCT(a INTEGER[], "m m" MAP(VARCHAR, DECIMAL(5,2)), t TIMESTAMP)');
    expect(fieldFromDuckDBType(type, 's')).toEqual({
      name: 's',
      type: 'STRUCT',
      nullable: true,
      subSchemas: [
        { name: 'a', type: 'ARRAY', nullable: true, arraySubtype: { type: 'INTEGER', nullable: true } },
        { name: 'm m', type: 'MAP', nullable: true, mapKeyType: { type: 'STRING', nullable: true }, mapValueType: { type: 'DECIMAL', precision: 5, scale: 2, nullable: true } },
        { name: 't', type: 'TIMESTAMP', nullable: true },
      ],
    });
    // The nested naive TIMESTAMP makes the whole struct need a cast.
    expect(isCanonicalDuckDBType(type)).toBe(false);
    expect(isCanonicalDuckDBType(await typeOf('STRUCT(a INTEGER[], b MAP(VARCHAR, BIGINT))'))).toBe(true);
  });

  it('refuses types without a sensible Foundry counterpart, naming the column', async () => {
    const type = await typeOf('UNION(a INTEGER, b VARCHAR)');
    expect(() => fieldFromDuckDBType(type, 'u')).toThrow(UnsupportedColumnTypeError);
    expect(() => fieldFromDuckDBType(type, 'u')).toThrow(/column `u`/);
  });
});

describe('Foundry → DuckDB', () => {
  it('round-trips every field type through DuckDB', async () => {
    const fields: DatasetFieldSchema[] = [
      { name: 'b', type: 'BOOLEAN', nullable: true },
      { name: 'y', type: 'BYTE', nullable: true },
      { name: 's', type: 'SHORT', nullable: true },
      { name: 'i', type: 'INTEGER', nullable: true },
      { name: 'l', type: 'LONG', nullable: true },
      { name: 'f', type: 'FLOAT', nullable: true },
      { name: 'd', type: 'DOUBLE', nullable: true },
      { name: 'dec', type: 'DECIMAL', precision: 38, scale: 10, nullable: true },
      { name: 'str', type: 'STRING', nullable: true },
      { name: 'dt', type: 'DATE', nullable: true },
      { name: 'ts', type: 'TIMESTAMP', nullable: true },
      { name: 'bin', type: 'BINARY', nullable: true },
      { name: 'arr', type: 'ARRAY', nullable: true, arraySubtype: { type: 'STRING', nullable: true } },
      { name: 'map', type: 'MAP', nullable: true, mapKeyType: { type: 'STRING', nullable: true }, mapValueType: { type: 'LONG', nullable: true } },
      { name: 'st', type: 'STRUCT', nullable: true, subSchemas: [{ name: "we'ird \"name\"", type: 'DATE', nullable: true }] },
    ];
    for (const field of fields) {
      const type = await typeOf(duckdbTypeSql(field));
      expect(fieldFromDuckDBType(type, field.name)).toEqual(field);
      expect(isCanonicalDuckDBType(type)).toBe(true);
    }
  });
});

const schema = (...fields: DatasetFieldSchema[]): DatasetSchema => ({ fieldSchemaList: fields });

describe('schemasCompatible', () => {
  const a = schema({ name: 'id', type: 'LONG', nullable: true }, { name: 'amount', type: 'DECIMAL', precision: 10, scale: 2, nullable: true });

  it('accepts the same names, types and order, ignoring nullability', () => {
    expect(schemasCompatible(a, schema({ name: 'id', type: 'LONG', nullable: false }, { name: 'amount', type: 'DECIMAL', precision: 10, scale: 2, nullable: true }))).toEqual({ compatible: true });
  });

  it.each([
    [schema({ name: 'id', type: 'INTEGER', nullable: true }, { name: 'amount', type: 'DECIMAL', precision: 10, scale: 2, nullable: true }), 'field `id` is LONG in one schema and INTEGER in the other'],
    [schema({ name: 'id', type: 'LONG', nullable: true }, { name: 'amount', type: 'DECIMAL', precision: 10, scale: 3, nullable: true }), 'field `amount` is DECIMAL(10,2) in one schema and DECIMAL(10,3) in the other'],
    [schema({ name: 'amount', type: 'DECIMAL', precision: 10, scale: 2, nullable: true }, { name: 'id', type: 'LONG', nullable: true }), 'field at position 1 is `id` in one schema and `amount` in the other'],
    [schema({ name: 'id', type: 'LONG', nullable: true }), 'field `amount` (position 2) exists only in the first schema'],
  ])('describes the first difference (%#)', (b, difference) => {
    expect(schemasCompatible(a, b)).toEqual({ compatible: false, difference });
  });

  it('compares nested types', () => {
    const x = schema({ name: 's', type: 'STRUCT', nullable: true, subSchemas: [{ name: 'a', type: 'ARRAY', nullable: true, arraySubtype: { type: 'LONG', nullable: true } }] });
    const y = schema({ name: 's', type: 'STRUCT', nullable: true, subSchemas: [{ name: 'a', type: 'ARRAY', nullable: true, arraySubtype: { type: 'STRING', nullable: true } }] });
    expect(schemasCompatible(x, y)).toEqual({ compatible: false, difference: 'field `s.a[]` is LONG in one schema and STRING in the other' });
  });
});

describe('validateSchema', () => {
  function problem(input: unknown): { field: unknown; problem: unknown } {
    try {
      validateSchema(input);
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidArgumentError);
      const err = e as InvalidArgumentError;
      expect(err.errorName).toBe('InvalidSchema');
      return { field: err.parameters.field, problem: err.parameters.problem };
    }
    throw new Error('expected validateSchema to throw');
  }

  it('normalizes a valid schema (nullable defaults to true, unknown keys dropped)', () => {
    expect(validateSchema({ fieldSchemaList: [{ name: 'a', type: 'STRING', extra: 1 }] })).toEqual({ fieldSchemaList: [{ name: 'a', type: 'STRING', nullable: true }] });
  });

  it.each([
    [null, 'fieldSchemaList'],
    [{ fieldSchemaList: [] }, 'fieldSchemaList'],
    [{ fieldSchemaList: [{ type: 'STRING' }] }, 'fieldSchemaList[0]'],
    [{ fieldSchemaList: [{ name: 'amount', type: 'MONEY' }] }, 'amount'],
    [{ fieldSchemaList: [{ name: 'amount', type: 'DECIMAL', precision: 39, scale: 2 }] }, 'amount'],
    [{ fieldSchemaList: [{ name: 'amount', type: 'DECIMAL', precision: 10, scale: 11 }] }, 'amount'],
    [{ fieldSchemaList: [{ name: 'a', type: 'STRING', nullable: 'yes' }] }, 'a'],
    [{ fieldSchemaList: [{ name: 'tags', type: 'ARRAY' }] }, 'tags.arraySubtype'],
    [{ fieldSchemaList: [{ name: 'addr', type: 'STRUCT', subSchemas: [{ name: 'zip', type: 'NUMBER' }] }] }, 'addr.zip'],
    [{ fieldSchemaList: [{ name: 'a', type: 'STRING' }, { name: 'A', type: 'LONG' }] }, 'A'],
    [{ fieldSchemaList: [{ name: 'a\0b', type: 'STRING' }] }, 'fieldSchemaList[0]'],
  ])('names the bad field (%#)', (input, field) => {
    expect(problem(input).field).toBe(field);
  });
});
