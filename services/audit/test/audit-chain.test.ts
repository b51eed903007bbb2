import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, sql, type Database } from '@openfoundry/db';
import { openTestDatabase } from '@openfoundry/testkit/database';
import { AuditGroupCommit, AuditLog, createAudit, type AuditModule } from '@openfoundry/audit';

const ORG_A = 'ri.multipass..organization.aaaaaaaa-0000-4000-8000-000000000001';
const ORG_B = 'ri.multipass..organization.bbbbbbbb-0000-4000-8000-000000000002';

let database: Database;
let audit: AuditModule;

beforeAll(async () => {
  database = await openTestDatabase();
  audit = createAudit({ db: database.db });
  await migrate(database.db, [audit.migrations]);
});
afterAll(async () => database?.close());

async function fresh(chainOrg: string, n: number) {
  await sql`delete from audit.events where chain = ${chainOrg}`.execute(database.db);
  await sql`delete from audit.chain_heads where chain = ${chainOrg}`.execute(database.db);
  const events = [];
  for (let i = 0; i < n; i++) {
    events.push(
      await audit.log.append(database.db, {
        orgRid: chainOrg,
        actor: { kind: 'user', id: `user-${i}` },
        category: 'test.event',
        outcome: 'success',
        resourceRids: [`ri.compass.main.folder.${i}`],
        details: { i, nested: { z: 1, a: [1, 'two', null] } },
      }),
    );
  }
  return events;
}

const report = async (chain: string) => (await audit.verify({ chain }))[0]!;

describe('audit hash chain', () => {
  it('chains events per organization and verifies an intact chain', async () => {
    const a = await fresh(ORG_A, 5);
    await fresh(ORG_B, 2);
    expect(a.map((e) => e.sequence)).toEqual([1, 2, 3, 4, 5]);
    expect(a[0]!.previousHash).toBe('0'.repeat(64));
    for (let i = 1; i < a.length; i++) expect(a[i]!.previousHash).toBe(a[i - 1]!.hash);
    const r = await report(ORG_A);
    expect(r).toMatchObject({ ok: true, events: 5, problems: [] });
    expect((await report(ORG_B)).events).toBe(2);
  });

  it('serialises concurrent appends into one gapless chain', async () => {
    await fresh(ORG_A, 0);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        database.db.transaction().execute((trx) => audit.log.append(trx, { orgRid: ORG_A, actor: { kind: 'system' }, category: 'test.concurrent', outcome: 'success', details: { i } })),
      ),
    );
    const r = await report(ORG_A);
    expect(r).toMatchObject({ ok: true, events: 20 });
  });

  it('rolls the event back with the transaction it belongs to', async () => {
    await fresh(ORG_A, 2);
    await expect(
      database.db.transaction().execute(async (trx) => {
        await audit.log.append(trx, { orgRid: ORG_A, actor: { kind: 'system' }, category: 'test.rollback', outcome: 'success' });
        throw new Error('change failed');
      }),
    ).rejects.toThrow('change failed');
    const r = await report(ORG_A);
    expect(r).toMatchObject({ ok: true, events: 2 });
  });

  it('detects a modified event', async () => {
    const events = await fresh(ORG_A, 5);
    await sql`update audit.events set details = '{"i": 99}'::jsonb where id = ${events[2]!.id}`.execute(database.db);
    const r = await report(ORG_A);
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([expect.objectContaining({ kind: 'modified', sequence: 3, eventId: events[2]!.id })]);
  });

  it('detects a deleted event', async () => {
    const events = await fresh(ORG_A, 5);
    await sql`delete from audit.events where id = ${events[1]!.id}`.execute(database.db);
    const r = await report(ORG_A);
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([expect.objectContaining({ kind: 'deleted', sequence: 2 })]);
    expect(r.problems[0]!.message).toContain('#2 deleted');
  });

  it('detects events deleted from the end of the chain', async () => {
    const events = await fresh(ORG_A, 5);
    await sql`delete from audit.events where id in (${events[3]!.id}, ${events[4]!.id})`.execute(database.db);
    const r = await report(ORG_A);
    expect(r.problems).toEqual([expect.objectContaining({ kind: 'truncated', sequence: 4 })]);
  });

  it('detects an inserted event', async () => {
    const events = await fresh(ORG_A, 4);
    const forged = { ...events[1]!, id: '11111111-1111-4111-8111-111111111111', category: 'forged' };
    await sql`insert into audit.events (id, chain, seq, time, org_rid, actor_kind, actor_id, category, outcome, resource_rids, details, prev_hash, hash)
      values (${forged.id}, ${ORG_A}, 2, now(), ${ORG_A}, 'user', 'x', 'forged', 'success', '{}', '{}'::jsonb, ${events[0]!.hash}, ${'f'.repeat(64)})`.execute(database.db);
    const r = await report(ORG_A);
    expect(r.ok).toBe(false);
    expect(r.problems.some((p) => p.kind === 'inserted' && p.eventId === forged.id)).toBe(true);
  });

  it('detects reordered events', async () => {
    const events = await fresh(ORG_A, 5);
    // Swap the sequence numbers of events 2 and 3 (a reordering that keeps the sequence gapless).
    await sql`update audit.events set seq = case when id = ${events[1]!.id} then 3 else 2 end where id in (${events[1]!.id}, ${events[2]!.id})`.execute(database.db);
    const r = await report(ORG_A);
    expect(r.ok).toBe(false);
    expect(r.problems.some((p) => p.kind === 'reordered')).toBe(true);
    expect(r.problems.some((p) => p.kind === 'modified')).toBe(true);
  });

  it('keeps each organization chain independent', async () => {
    await fresh(ORG_A, 3);
    const b = await fresh(ORG_B, 3);
    await sql`update audit.events set outcome = 'failure' where id = ${b[0]!.id}`.execute(database.db);
    expect((await report(ORG_A)).ok).toBe(true);
    expect((await report(ORG_B)).ok).toBe(false);
  });
});

describe('group commit of read events', () => {
  it('chains concurrent appends of two organizations in shared transactions, each resolved once committed', async () => {
    for (const org of [ORG_A, ORG_B]) {
      await sql`delete from audit.events where chain = ${org}`.execute(database.db);
      await sql`delete from audit.chain_heads where chain = ${org}`.execute(database.db);
    }
    const event = (org: string, i: number) => ({ orgRid: org, actor: { kind: 'user' as const, id: `reader-${i}` }, category: 'test.read', outcome: 'success' as const, resourceRids: [], details: { i } });
    const appends = Array.from({ length: 300 }, (_, i) => audit.reads.append(event(i % 3 ? ORG_A : ORG_B, i)).then(() => i));
    expect(await Promise.all(appends)).toHaveLength(300);
    for (const [org, n] of [
      [ORG_A, 200],
      [ORG_B, 100],
    ] as const) {
      const r = await report(org);
      expect(r).toMatchObject({ ok: true, events: n, problems: [] });
    }
    // Each event is in the trail once, and the 300 appends shared transactions (xmin: the writing transaction).
    const rows = await sql<{ n: number; distinct_i: number; transactions: number }>`select count(*)::int as n, count(distinct details->>'i')::int as distinct_i,
      count(distinct xmin::text)::int as transactions from audit.events where category = 'test.read'`.execute(database.db);
    expect(rows.rows[0]).toMatchObject({ n: 300, distinct_i: 300 });
    expect(rows.rows[0]!.transactions).toBeLessThan(30);
  });

  it('interleaves with another replica’s reads and with transactional appends into one gapless chain', async () => {
    await fresh(ORG_A, 0);
    // Another replica: its own log, so its idea of where the head stands goes stale under ours.
    const replica = new AuditGroupCommit(database.db, new AuditLog());
    const read = (via: AuditGroupCommit, i: number) => via.append({ orgRid: ORG_A, actor: { kind: 'user', id: `r-${i}` }, category: 'test.read', outcome: 'success', resourceRids: [], details: { i } });
    const work = [];
    for (let i = 0; i < 120; i++) {
      work.push(read(i % 2 ? audit.reads : replica, i));
      if (i % 10 === 0) work.push(database.db.transaction().execute((trx) => audit.log.append(trx, { orgRid: ORG_A, actor: { kind: 'system' }, category: 'test.change', outcome: 'success', details: { i } })));
      if (i % 30 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(work);
    expect(await report(ORG_A)).toMatchObject({ ok: true, events: 132, problems: [] });
    const rows = await sql<{ n: number }>`select count(distinct seq)::int as n from audit.events where chain = ${ORG_A}`.execute(database.db);
    expect(rows.rows[0]!.n).toBe(132);
  });

  it('rejects every append of a batch that fails, and goes on with the next', async () => {
    const bad = audit.reads.append({ orgRid: ORG_A, actor: { kind: 'user', id: 'x' }, category: 'test.read', outcome: 'success', resourceRids: [], details: { big: 1n } as never });
    await expect(bad).rejects.toThrow();
    await audit.reads.append({ orgRid: ORG_A, actor: { kind: 'user', id: 'y' }, category: 'test.read', outcome: 'success', resourceRids: [], details: { after: true } });
    expect((await report(ORG_A)).ok).toBe(true);
  });
});
