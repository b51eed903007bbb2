import {
  DuckDBTypeId,
  type DuckDBArrayType,
  type DuckDBBlobValue,
  type DuckDBDataChunk,
  type DuckDBDateValue,
  type DuckDBDecimalType,
  type DuckDBDecimalValue,
  type DuckDBListType,
  type DuckDBListValue,
  type DuckDBMapType,
  type DuckDBMapValue,
  type DuckDBResult,
  type DuckDBStructType,
  type DuckDBStructValue,
  type DuckDBTimestampMillisecondsValue,
  type DuckDBTimestampNanosecondsValue,
  type DuckDBTimestampSecondsValue,
  type DuckDBTimestampTZValue,
  type DuckDBTimestampValue,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import {
  AsyncByteQueue,
  Binary,
  Bool,
  type Data,
  type DataType,
  DateDay,
  Decimal,
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  List,
  Map_,
  RecordBatch,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  TimeUnit,
  Timestamp,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
  Utf8,
  makeData,
} from 'apache-arrow';

/**
 * The Arrow type a DuckDB column travels as. Types Arrow readers commonly lack a DuckDB-specific
 * form for (UUID, ENUM, TIME, INTERVAL, BIT, JSON...) are sent as their DuckDB text (Utf8);
 * HUGEINT/UHUGEINT as Decimal(38,0); TIMESTAMP WITH TIME ZONE as a UTC timestamp.
 */
export function arrowTypeFor(type: DuckDBType): DataType {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return new Bool();
    case DuckDBTypeId.TINYINT:
      return new Int8();
    case DuckDBTypeId.SMALLINT:
      return new Int16();
    case DuckDBTypeId.INTEGER:
      return new Int32();
    case DuckDBTypeId.BIGINT:
      return new Int64();
    case DuckDBTypeId.UTINYINT:
      return new Uint8();
    case DuckDBTypeId.USMALLINT:
      return new Uint16();
    case DuckDBTypeId.UINTEGER:
      return new Uint32();
    case DuckDBTypeId.UBIGINT:
      return new Uint64();
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return new Decimal(0, 38, 128);
    case DuckDBTypeId.FLOAT:
      return new Float32();
    case DuckDBTypeId.DOUBLE:
      return new Float64();
    case DuckDBTypeId.DECIMAL: {
      const d = type as DuckDBDecimalType;
      return new Decimal(d.scale, d.width, 128);
    }
    case DuckDBTypeId.BLOB:
      return new Binary();
    case DuckDBTypeId.DATE:
      return new DateDay();
    case DuckDBTypeId.TIMESTAMP:
      return new Timestamp(TimeUnit.MICROSECOND);
    case DuckDBTypeId.TIMESTAMP_TZ:
      return new Timestamp(TimeUnit.MICROSECOND, 'UTC');
    case DuckDBTypeId.TIMESTAMP_S:
      return new Timestamp(TimeUnit.SECOND);
    case DuckDBTypeId.TIMESTAMP_MS:
      return new Timestamp(TimeUnit.MILLISECOND);
    case DuckDBTypeId.TIMESTAMP_NS:
      return new Timestamp(TimeUnit.NANOSECOND);
    case DuckDBTypeId.LIST:
      return new List(new Field('item', arrowTypeFor((type as DuckDBListType).valueType), true));
    case DuckDBTypeId.ARRAY:
      return new List(new Field('item', arrowTypeFor((type as DuckDBArrayType).valueType), true));
    case DuckDBTypeId.STRUCT: {
      const s = type as DuckDBStructType;
      return new Struct(s.entryNames.map((n, i) => new Field(n, arrowTypeFor(s.entryTypes[i]!), true)));
    }
    case DuckDBTypeId.MAP: {
      const m = type as DuckDBMapType;
      const entries = new Struct([new Field('key', arrowTypeFor(m.keyType), false), new Field('value', arrowTypeFor(m.valueType), true)]);
      return new Map_(new Field('entries', entries, false));
    }
    default:
      return new Utf8();
  }
}

type Values = readonly (DuckDBValue | null)[];

function validity(values: Values): { nullCount: number; nullBitmap?: Uint8Array } {
  let nullCount = 0;
  for (const v of values) if (v === null) nullCount++;
  if (nullCount === 0) return { nullCount };
  const nullBitmap = new Uint8Array((values.length + 7) >> 3);
  for (let i = 0; i < values.length; i++) if (values[i] !== null) nullBitmap[i >> 3]! |= 1 << (i & 7);
  return { nullCount, nullBitmap };
}

const encoder = new TextEncoder();

// Variable-width values (Utf8/Binary) as Arrow wants them: int32 offsets and one byte buffer.
function variableWidth(type: DataType, values: Values, bytesOf: (v: DuckDBValue) => Uint8Array): Data {
  const parts: Uint8Array[] = new Array(values.length);
  const valueOffsets = new Int32Array(values.length + 1);
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const b = v === null || v === undefined ? EMPTY : bytesOf(v);
    parts[i] = b;
    total += b.length;
    valueOffsets[i + 1] = total;
  }
  const data = new Uint8Array(total);
  for (let i = 0; i < parts.length; i++) data.set(parts[i]!, valueOffsets[i]!);
  return makeData({ type, length: values.length, ...validity(values), valueOffsets, data } as any);
}
const EMPTY = new Uint8Array(0);

function fixed<A extends { [i: number]: any; length: number }>(type: DataType, values: Values, array: A, get: (v: DuckDBValue) => A[number]): Data {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== null && v !== undefined) array[i] = get(v);
  }
  return makeData({ type, length: values.length, ...validity(values), data: array } as any);
}

// Decimal128 is the unscaled value as 16 little-endian two's-complement bytes.
function decimalData(type: DataType, values: Values, unscaled: (v: DuckDBValue) => bigint): Data {
  const words = new Uint32Array(values.length * 4);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    let u = BigInt.asUintN(128, unscaled(v));
    for (let w = 0; w < 4; w++) {
      words[i * 4 + w] = Number(u & 0xffffffffn);
      u >>= 32n;
    }
  }
  return makeData({ type, length: values.length, ...validity(values), data: words } as any);
}

function listData(type: DataType, values: Values, itemsOf: (v: DuckDBValue) => readonly (DuckDBValue | null)[], childBuilder: (children: Values) => Data): Data {
  const valueOffsets = new Int32Array(values.length + 1);
  const children: (DuckDBValue | null)[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== null && v !== undefined) for (const item of itemsOf(v)) children.push(item);
    valueOffsets[i + 1] = children.length;
  }
  return makeData({ type, length: values.length, ...validity(values), valueOffsets, child: childBuilder(children) } as any);
}

/** Builds the Arrow data of one column from DuckDB values, recursively for nested types. */
function buildData(duck: DuckDBType, arrowType: DataType, values: Values): Data {
  switch (duck.typeId) {
    case DuckDBTypeId.BOOLEAN: {
      const bits = new Uint8Array((values.length + 7) >> 3);
      for (let i = 0; i < values.length; i++) if (values[i] === true) bits[i >> 3]! |= 1 << (i & 7);
      return makeData({ type: arrowType, length: values.length, ...validity(values), data: bits } as any);
    }
    case DuckDBTypeId.TINYINT:
      return fixed(arrowType, values, new Int8Array(values.length), (v) => v as number);
    case DuckDBTypeId.SMALLINT:
      return fixed(arrowType, values, new Int16Array(values.length), (v) => v as number);
    case DuckDBTypeId.INTEGER:
      return fixed(arrowType, values, new Int32Array(values.length), (v) => v as number);
    case DuckDBTypeId.UTINYINT:
      return fixed(arrowType, values, new Uint8Array(values.length), (v) => v as number);
    case DuckDBTypeId.USMALLINT:
      return fixed(arrowType, values, new Uint16Array(values.length), (v) => v as number);
    case DuckDBTypeId.UINTEGER:
      return fixed(arrowType, values, new Uint32Array(values.length), (v) => v as number);
    case DuckDBTypeId.BIGINT:
      return fixed(arrowType, values, new BigInt64Array(values.length), (v) => v as bigint);
    case DuckDBTypeId.UBIGINT:
      return fixed(arrowType, values, new BigUint64Array(values.length), (v) => v as bigint);
    case DuckDBTypeId.FLOAT:
      return fixed(arrowType, values, new Float32Array(values.length), (v) => v as number);
    case DuckDBTypeId.DOUBLE:
      return fixed(arrowType, values, new Float64Array(values.length), (v) => v as number);
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return decimalData(arrowType, values, (v) => v as bigint);
    case DuckDBTypeId.DECIMAL:
      return decimalData(arrowType, values, (v) => (v as DuckDBDecimalValue).value);
    case DuckDBTypeId.DATE:
      return fixed(arrowType, values, new Int32Array(values.length), (v) => (v as DuckDBDateValue).days);
    case DuckDBTypeId.TIMESTAMP:
      return fixed(arrowType, values, new BigInt64Array(values.length), (v) => (v as DuckDBTimestampValue).micros);
    case DuckDBTypeId.TIMESTAMP_TZ:
      return fixed(arrowType, values, new BigInt64Array(values.length), (v) => (v as DuckDBTimestampTZValue).micros);
    case DuckDBTypeId.TIMESTAMP_S:
      return fixed(arrowType, values, new BigInt64Array(values.length), (v) => (v as DuckDBTimestampSecondsValue).seconds);
    case DuckDBTypeId.TIMESTAMP_MS:
      return fixed(arrowType, values, new BigInt64Array(values.length), (v) => (v as DuckDBTimestampMillisecondsValue).millis);
    case DuckDBTypeId.TIMESTAMP_NS:
      return fixed(arrowType, values, new BigInt64Array(values.length), (v) => (v as DuckDBTimestampNanosecondsValue).nanos);
    case DuckDBTypeId.BLOB:
      return variableWidth(arrowType, values, (v) => (v as DuckDBBlobValue).bytes);
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY: {
      const itemType = (duck as DuckDBListType | DuckDBArrayType).valueType;
      const childArrow = (arrowType as List).children[0]!.type;
      return listData(arrowType, values, (v) => (v as DuckDBListValue).items, (children) => buildData(itemType, childArrow, children));
    }
    case DuckDBTypeId.STRUCT: {
      const s = duck as DuckDBStructType;
      const fields = (arrowType as Struct).children;
      const children = s.entryNames.map((name, e) =>
        buildData(
          s.entryTypes[e]!,
          fields[e]!.type,
          // A NULL struct still needs a slot in every child; its fields are NULL there.
          values.map((v) => (v === null || v === undefined ? null : ((v as DuckDBStructValue).entries[name] ?? null))),
        ),
      );
      return makeData({ type: arrowType, length: values.length, ...validity(values), children } as any);
    }
    case DuckDBTypeId.MAP: {
      const m = duck as DuckDBMapType;
      const entriesType = (arrowType as Map_).children[0]!.type as Struct;
      const valueOffsets = new Int32Array(values.length + 1);
      const keys: (DuckDBValue | null)[] = [];
      const vals: (DuckDBValue | null)[] = [];
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (v !== null && v !== undefined) {
          for (const entry of (v as DuckDBMapValue).entries) {
            keys.push(entry.key);
            vals.push(entry.value);
          }
        }
        valueOffsets[i + 1] = keys.length;
      }
      const child = makeData({
        type: entriesType,
        length: keys.length,
        nullCount: 0,
        children: [buildData(m.keyType, entriesType.children[0]!.type, keys), buildData(m.valueType, entriesType.children[1]!.type, vals)],
      } as any);
      return makeData({ type: arrowType, length: values.length, ...validity(values), valueOffsets, child } as any);
    }
    case DuckDBTypeId.VARCHAR:
      return variableWidth(arrowType, values, (v) => encoder.encode(v as string));
    default:
      return variableWidth(arrowType, values, (v) => encoder.encode(String(v)));
  }
}

/** What {@link arrowIpcStream} reads: a DuckDB result (streaming or materialized) or a stand-in. */
export type ChunkSource = Pick<DuckDBResult, 'columnNames' | 'columnTypes' | 'fetchChunk'>;

/** The Arrow schema of a DuckDB result (all fields nullable, as DuckDB columns are). */
export function arrowSchemaFor(result: Pick<DuckDBResult, 'columnNames' | 'columnTypes'>): Schema {
  const types = result.columnTypes();
  // Duplicate names (SELECT a, a) are legal SQL and legal Arrow; keep them as they are.
  return new Schema(result.columnNames().map((n, i) => new Field(n, arrowTypeFor(types[i]!), true)));
}

/** Converts one DuckDB data chunk (or its first `rowCount` rows) into an Arrow record batch. */
export function recordBatchFromChunk(chunk: DuckDBDataChunk, schema: Schema, duckTypes: readonly DuckDBType[], rowCount = chunk.rowCount): RecordBatch {
  const children = schema.fields.map((field, c) => {
    const vector = chunk.getColumnVector(c);
    const values: (DuckDBValue | null)[] = new Array(rowCount);
    for (let r = 0; r < rowCount; r++) values[r] = vector.getItem(r);
    return buildData(duckTypes[c]!, field.type, values);
  });
  const data = makeData({ type: new Struct(schema.fields), length: rowCount, nullCount: 0, children } as any);
  return new RecordBatch(schema, data as any);
}

// The Arrow writer pushes its bytes into a queue meant for async consumers; this one just keeps
// them, so each batch's bytes can be handed out as soon as the batch is written (streaming with
// the caller's pace as back-pressure) instead of after the whole result.
class CollectingQueue extends AsyncByteQueue {
  chunks: Uint8Array[] = [];
  override write(value: any): void {
    if (value instanceof Uint8Array) {
      if (value.byteLength > 0) this.chunks.push(value);
    } else if (ArrayBuffer.isView(value)) {
      if (value.byteLength > 0) this.chunks.push(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    } else {
      throw new TypeError('unexpected value written by the Arrow IPC writer');
    }
  }
  take(): Uint8Array {
    const total = this.chunks.reduce((n, c) => n + c.byteLength, 0);
    const out = new Uint8Array(total);
    let offset = 0;
    for (const c of this.chunks) {
      out.set(c, offset);
      offset += c.byteLength;
    }
    this.chunks = [];
    return out;
  }
}

/** Options of {@link arrowIpcStream}. */
export interface ArrowIpcOptions {
  /** Stop after this many rows (the result is then not read further). */
  rowLimit?: number;
}

/**
 * Streams a DuckDB result as the Arrow IPC *stream* format: the first chunk holds the schema
 * (and the first batch), then one chunk per DuckDB data chunk (≤ 2048 rows), then the
 * end-of-stream marker. Only one chunk is in memory at a time, so pass a streaming result
 * (`connection.stream(sql)`). An empty result gives a schema and the end marker.
 */
export async function* arrowIpcStream(result: ChunkSource, options: ArrowIpcOptions = {}): AsyncGenerator<Uint8Array> {
  const schema = arrowSchemaFor(result);
  const duckTypes = result.columnTypes();
  const sink = new CollectingQueue();
  const writer = new RecordBatchStreamWriter({ autoDestroy: false });
  writer.reset(sink as any, schema);
  let remaining = options.rowLimit ?? Infinity;
  if (remaining < 0 || Number.isNaN(remaining)) remaining = 0;
  let wroteBatch = false;
  while (remaining > 0) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const rows = Math.min(chunk.rowCount, remaining);
    remaining -= rows;
    writer.write(recordBatchFromChunk(chunk, schema, duckTypes, rows));
    wroteBatch = true;
    yield sink.take();
  }
  // Without any batch the writer has not emitted the schema yet; an empty table still has one.
  if (!wroteBatch) {
    const children = schema.fields.map((f, c) => buildData(duckTypes[c]!, f.type, []));
    writer.write(new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 0, nullCount: 0, children } as any) as any));
  }
  writer.finish();
  yield sink.take();
}

/** The whole result as one Arrow IPC stream buffer (for small results and tests). */
export async function arrowIpcBytes(result: ChunkSource, options: ArrowIpcOptions = {}): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of arrowIpcStream(result, options)) parts.push(part);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}
