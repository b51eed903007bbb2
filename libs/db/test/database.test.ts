import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyCsv, keepPrepared, migrate, pendingMigrations, sql, type Database, type MigrationSet } from '@openfoundry/db';
import { openTestDatabase } from '@openfoundry/testkit/database';

let database: Database;
const sets: MigrationSet[] = [
  {
    schema: 'dbtest',
    migrations: {
      '0001_init': {
        async up(db) {
          await db.schema.createTable('dbtest.counter').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('n', 'integer', (c) => c.notNull()).execute();
          await db.insertInto('dbtest.counter').values({ id: 1, n: 0 }).execute();
        },
      },
    },
  },
];

beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => database?.close());

describe('database', () => {
  it('reports pending migrations, applies them once, then none are pending', async () => {
    expect(await pendingMigrations(database.db, sets)).toEqual(['dbtest/0001_init']);
    const [first] = await migrate(database.db, sets);
    expect(first!.applied).toEqual(['0001_init']);
    const [second] = await migrate(database.db, sets);
    expect(second!.applied).toEqual([]);
    expect(await pendingMigrations(database.db, sets)).toEqual([]);
  });

  it('keeps concurrent transactions isolated (read-modify-write under a row lock)', async () => {
    await Promise.all(
      Array.from({ length: 25 }, () =>
        database.db.transaction().execute(async (trx) => {
          const row = await trx.selectFrom('dbtest.counter').select('n').where('id', '=', 1).forUpdate().executeTakeFirstOrThrow();
          await new Promise((r) => setTimeout(r, 1));
          await trx.updateTable('dbtest.counter').set({ n: row.n + 1 }).where('id', '=', 1).execute();
        }),
      ),
    );
    const { n } = await database.db.selectFrom('dbtest.counter').select('n').where('id', '=', 1).executeTakeFirstOrThrow();
    expect(n).toBe(25);
  });

  it('runs a statement kept prepared as a named statement on PostgreSQL, with each run’s parameters', async () => {
    const query = sql<{ n: number }>`select n + ${0}::int as n from dbtest.counter where id = ${1}::int`;
    const text = query.compile(database.db).sql;
    keepPrepared(text);
    await database.db.connection().execute(async (c) => {
      for (const add of [1, 2, 3]) {
        const { rows } = await sql<{ n: number }>`select n + ${add}::int as n from dbtest.counter where id = ${1}::int`.execute(c);
        expect(rows[0]!.n).toBe(25 + add);
      }
      if (database.kind !== 'postgres') return; // PGlite: prepared statements are not kept
      const prepared = await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(c);
      expect(prepared.rows.map((r) => r.statement)).toContain(text);
    });
  });

  it('rolls back a failed transaction entirely', async () => {
    await expect(
      database.db.transaction().execute(async (trx) => {
        await trx.updateTable('dbtest.counter').set({ n: sql`n + 100` }).where('id', '=', 1).execute();
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const { n } = await database.db.selectFrom('dbtest.counter').select('n').where('id', '=', 1).executeTakeFirstOrThrow();
    expect(n).toBe(25);
  });

  it('reports affected rows of writes', async () => {
    const r = await database.db.updateTable('dbtest.counter').set({ n: 0 }).executeTakeFirst();
    expect(Number(r.numUpdatedRows)).toBe(1);
  });

  it('delivers notifications of committed transactions only, to listeners', async () => {
    const received: string[] = [];
    await database.listen('dbtest_channel', (p) => received.push(p), () => received.push('<reset>'));
    await database.db.transaction().execute(async (trx) => {
      await sql`select pg_notify('dbtest_channel', 'committed')`.execute(trx);
    });
    await database.db
      .transaction()
      .execute(async (trx) => {
        await sql`select pg_notify('dbtest_channel', 'rolled back')`.execute(trx);
        throw new Error('abort');
      })
      .catch(() => {});
    await sql`select pg_notify('dbtest_channel', 'plain')`.execute(database.db);
    for (let i = 0; i < 100 && received.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(received).toEqual(['committed', 'plain']);
  });
  it('loads CSV with COPY: quotes, commas, new lines, empty strings and nulls; in a transaction that rolls back nothing stays; a bad value loads nothing', async () => {
    await sql`create table dbtest.copied (id bigint, label text, amount numeric, tags jsonb)`.execute(database.db);
    const table = sql`dbtest.copied`;
    const csv = ['1,"plain","12.50","[""x"", ""y""]"', '2,"a ""quoted"", comma\nand a new line",,', '3,"",,"[]"', '9007199254740993,,"-0.5",'].join('\n') + '\n';
    await copyCsv(database.db, table, ['id', 'label', 'amount', 'tags'], csv);
    const { rows } = await sql<{ id: string; label: string | null; amount: string | null; tags: unknown }>`select id::text, label, amount::text, tags from dbtest.copied order by id`.execute(database.db);
    expect(rows).toEqual([
      { id: '1', label: 'plain', amount: '12.50', tags: ['x', 'y'] },
      { id: '2', label: 'a "quoted", comma\nand a new line', amount: null, tags: null },
      { id: '3', label: '', amount: null, tags: [] },
      { id: '9007199254740993', label: null, amount: '-0.5', tags: null },
    ]);
    const count = async () => Number((await sql<{ n: string }>`select count(*)::text as n from dbtest.copied`.execute(database.db)).rows[0]!.n);
    await expect(
      database.db.transaction().execute(async (trx) => {
        await copyCsv(trx, table, ['id', 'label'], '10,"in a transaction"\n');
        expect(Number((await sql<{ n: string }>`select count(*)::text as n from dbtest.copied`.execute(trx)).rows[0]!.n)).toBe(5);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await count()).toBe(4);
    await expect(copyCsv(database.db, table, ['id', 'amount'], '11,"1"\n12,"not a number"\n')).rejects.toThrow(/numeric/);
    expect(await count()).toBe(4);
    // A failed COPY leaves the connection usable for the next one.
    await copyCsv(database.db, table, ['id'], '13\n');
    expect(await count()).toBe(5);
  });
});
