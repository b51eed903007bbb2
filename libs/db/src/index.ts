export * from './database.js';
export * from './migrations.js';
export * from './cache-coherence.js';
export { copyCsv } from './copy.js';
export { sql, CompiledQuery, type Kysely, type Transaction, type RawBuilder, type Migration, type Selectable, type Insertable, type Updateable, type Generated, type ColumnType } from 'kysely';
