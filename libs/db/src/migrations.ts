import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

/**
 * A service's migrations. Each service owns one PostgreSQL schema; its migrations and their
 * bookkeeping table live there. Migrations are forward-only and named so they sort in order
 * (`0001_init`, `0002_...`).
 */
export interface MigrationSet {
  schema: string;
  migrations: Record<string, Migration>;
}

export interface MigrationReport {
  schema: string;
  applied: string[];
}

// An arbitrary constant: every replica takes this advisory lock before migrating.
const MIGRATION_LOCK_ID = 7_301_442_018;

class StaticProvider implements MigrationProvider {
  constructor(private readonly migrations: Record<string, Migration>) {}
  async getMigrations() {
    return this.migrations;
  }
}

function migratorFor(db: Kysely<any>, set: MigrationSet): Migrator {
  return new Migrator({
    db,
    provider: new StaticProvider(set.migrations),
    migrationTableSchema: set.schema,
    migrationTableName: 'kysely_migration',
    migrationLockTableName: 'kysely_migration_lock',
  });
}

/** Applies all pending migrations of every set, under a cluster-wide advisory lock. */
export async function migrate(db: Kysely<any>, sets: MigrationSet[]): Promise<MigrationReport[]> {
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_ID})`.execute(conn);
    try {
      const reports: MigrationReport[] = [];
      for (const set of sets) {
        await sql`create schema if not exists ${sql.id(set.schema)}`.execute(conn);
        const { error, results } = await migratorFor(conn, set).migrateToLatest();
        if (error) {
          const failed = results?.find((r) => r.status === 'Error')?.migrationName;
          throw new Error(`migration ${set.schema}/${failed ?? '?'} failed: ${(error as Error).message}`, { cause: error });
        }
        reports.push({ schema: set.schema, applied: (results ?? []).map((r) => r.migrationName) });
      }
      return reports;
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`.execute(conn);
    }
  });
}

/** Names of migrations not yet applied (for readiness checks). */
export async function pendingMigrations(db: Kysely<any>, sets: MigrationSet[]): Promise<string[]> {
  const pending: string[] = [];
  for (const set of sets) {
    const exists = await sql<{ n: number }>`select count(*)::int as n from information_schema.tables
      where table_schema = ${set.schema} and table_name = 'kysely_migration'`.execute(db);
    if (!exists.rows[0]?.n) {
      pending.push(...Object.keys(set.migrations).map((m) => `${set.schema}/${m}`));
      continue;
    }
    const migrations = await migratorFor(db, set).getMigrations();
    pending.push(...migrations.filter((m) => !m.executedAt).map((m) => `${set.schema}/${m.name}`));
  }
  return pending;
}
