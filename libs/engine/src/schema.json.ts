import { z } from 'zod';
import type { DatasetFieldSchema } from './engine.types.js';

/**
 * Foundry's dataset schema as zod schemas, for the HTTP routes that take or return one (their
 * OpenAPI types come from these). Structure only: `validateSchema` checks the meaning.
 */

/** Foundry's `SchemaFieldType`. */
export const FieldTypeJson = z.enum(['ARRAY', 'BINARY', 'BOOLEAN', 'BYTE', 'DATE', 'DECIMAL', 'DOUBLE', 'FLOAT', 'INTEGER', 'LONG', 'MAP', 'SHORT', 'STRING', 'STRUCT', 'TIMESTAMP']);

/** Foundry's `DatasetFieldSchema` (recursive: arrays, maps and structs nest fields). */
export const FieldSchemaJson: z.ZodType<DatasetFieldSchema> = z
  .object({
    type: FieldTypeJson,
    name: z.string().optional(),
    nullable: z.boolean(),
    userDefinedTypeClass: z.string().optional(),
    customMetadata: z.record(z.string(), z.unknown()).optional(),
    precision: z.number().int().optional(),
    scale: z.number().int().optional(),
    get arraySubtype() {
      return FieldSchemaJson.optional();
    },
    get mapKeyType() {
      return FieldSchemaJson.optional();
    },
    get mapValueType() {
      return FieldSchemaJson.optional();
    },
    get subSchemas() {
      return z.array(FieldSchemaJson).optional();
    },
  })
  .meta({ id: 'DatasetFieldSchema' });
export const DatasetSchemaBody = z.object({ fieldSchemaList: z.array(FieldSchemaJson) }).meta({ id: 'DatasetSchema' });

