import { randomUUID } from 'node:crypto';
import { CompiledQuery, inTransaction, keepPrepared, sql, type Executor, type Kysely } from '@openfoundry/db';
import { systemClock, type Clock } from '@openfoundry/kernel';
import { GENESIS_HASH, canonicalJson, chainHash } from './canonical.js';
import type { Selectable } from '@openfoundry/db';
import type { AuditEvent, AuditEventInput, AuditTables } from './audit.types.js';

/** The chain an event belongs to: one per organization, plus one for platform events. */
export function chainOf(orgRid: string | null): string {
  return orgRid ?? 'platform';
}

/** The fields covered by an event's hash, in canonical form. */
export function hashedFields(e: Omit<AuditEvent, 'hash'>): string {
  return canonicalJson({
    id: e.id,
    chain: e.chain,
    sequence: e.sequence,
    time: e.time,
    organizationRid: e.organizationRid,
    actorKind: e.actorKind,
    actorId: e.actorId,
    category: e.category,
    outcome: e.outcome,
    resourceRids: e.resourceRids,
    requestId: e.requestId,
    clientIp: e.clientIp,
    userAgent: e.userAgent,
    details: e.details,
    previousHash: e.previousHash,
  });
}

export function rowToEvent(r: Selectable<AuditTables['audit.events']>): AuditEvent {
  return {
    id: r.id,
    chain: r.chain,
    sequence: Number(r.seq),
    time: new Date(r.time).toISOString(),
    organizationRid: r.org_rid,
    actorKind: r.actor_kind as AuditEvent['actorKind'],
    actorId: r.actor_id,
    category: r.category,
    outcome: r.outcome as AuditEvent['outcome'],
    resourceRids: r.resource_rids ?? [],
    requestId: r.request_id,
    clientIp: r.client_ip,
    userAgent: r.user_agent,
    details: r.details ?? {},
    previousHash: r.prev_hash,
    hash: r.hash,
  };
}

/** A chain's last event, as `audit.chain_heads` holds it. */
interface Head {
  seq: number;
  hash: string;
}

/**
 * Appends events to the hash chain of their organization. Callers pass the transaction of the
 * change being audited, so the change and its event commit (or roll back) together.
 */
export class AuditLog {
  /** The heads this process last wrote, by chain: where an append on its own expects the chain to stand. */
  private readonly heads = new Map<string, Head>();

  constructor(private readonly clock: Clock = systemClock) {}

  async append(executor: Executor, input: AuditEventInput): Promise<AuditEvent> {
    return (await this.appendMany(executor, [input]))[0]!;
  }

  /**
   * Appends several events in one transaction: per chain, the head is locked once, the events are
   * chained in order and written with the new head in one statement.
   */
  async appendMany(executor: Executor, inputs: AuditEventInput[]): Promise<AuditEvent[]> {
    return inTransaction(executor, async (trx) => {
      const db = trx as unknown as Kysely<AuditTables>;
      const out = new Map<AuditEventInput, AuditEvent>();
      for (const [chain, ofChain] of byChain(inputs)) {
        // The row lock serialises appends to one chain across replicas.
        const head = await headOf(db, chain, true);
        const events = this.chained(chain, head, ofChain);
        const last = events[events.length - 1]!;
        // One statement: the events and the chain's new head.
        await db
          .with('appended', (w) => w.insertInto('audit.events').values(events.map(eventRow)).returning('seq'))
          .updateTable('audit.chain_heads')
          .set({ seq: last.sequence, hash: last.hash })
          .where('chain', '=', chain)
          .execute();
        this.heads.set(chain, { seq: last.sequence, hash: last.hash });
        events.forEach((e, i) => out.set(ofChain[i]!, e));
      }
      return inputs.map((i) => out.get(i)!);
    });
  }

  /**
   * Appends events that belong to no change (reads) and commits them, one statement per chain:
   * the events are chained onto the head this process expects, and the statement moves the head
   * only if it still stands there — otherwise another replica or a concurrent transaction moved
   * it, nothing is written, and the append retries from the head as stored. No lock is held
   * between round trips, and the common case is one round trip.
   */
  async appendCommitted(db: Kysely<any>, inputs: AuditEventInput[]): Promise<AuditEvent[]> {
    const out = new Map<AuditEventInput, AuditEvent>();
    for (const [chain, ofChain] of byChain(inputs)) {
      for (let attempt = 0; ; attempt++) {
        const head = this.heads.get(chain) ?? (await headOf(db, chain, false));
        const events = this.chained(chain, head, ofChain);
        const last = events[events.length - 1]!;
        const statement = CompiledQuery.raw(appendCommittedText(db), [last.sequence, last.hash, chain, head.seq, head.hash, JSON.stringify(events.map(eventRecord))]);
        const { rows } = await db.executeQuery<{ moved: number }>(statement);
        if (rows[0]?.moved === 1) {
          this.heads.set(chain, { seq: last.sequence, hash: last.hash });
          events.forEach((e, i) => out.set(ofChain[i]!, e));
          break;
        }
        this.heads.delete(chain);
        if (attempt >= 50) throw new Error(`audit chain ${chain}: the head kept moving`);
      }
    }
    return inputs.map((i) => out.get(i)!);
  }

  /** The events of `inputs`, chained in order onto `head`. */
  private chained(chain: string, head: Head, inputs: AuditEventInput[]): AuditEvent[] {
    let seq = head.seq;
    let previousHash = head.hash;
    return inputs.map((input) => {
      const unhashed: Omit<AuditEvent, 'hash'> = {
        id: randomUUID(),
        chain,
        sequence: ++seq,
        time: this.clock.now().toISOString(),
        organizationRid: input.orgRid,
        actorKind: input.actor.kind,
        actorId: input.actor.id ?? null,
        category: input.category,
        outcome: input.outcome,
        resourceRids: input.resourceRids ?? [],
        requestId: input.requestId ?? null,
        clientIp: input.clientIp ?? null,
        userAgent: input.userAgent ?? null,
        // Round-trip through JSON so what is hashed is exactly what jsonb stores.
        details: JSON.parse(JSON.stringify(input.details ?? {})),
        previousHash,
      };
      const event: AuditEvent = { ...unhashed, hash: chainHash(previousHash, hashedFields(unhashed)) };
      previousHash = event.hash;
      return event;
    });
  }
}

/** The inputs by chain, chains in a fixed order so two batches never wait on each other's heads. */
function byChain(inputs: AuditEventInput[]): Array<[string, AuditEventInput[]]> {
  const chains = new Map<string, AuditEventInput[]>();
  for (const input of inputs) chains.set(chainOf(input.orgRid), [...(chains.get(chainOf(input.orgRid)) ?? []), input]);
  return [...chains].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The chain's head, locked for the transaction when `lock`; a chain's first event inserts it. */
async function headOf(db: Kysely<any>, chain: string, lock: boolean): Promise<Head> {
  const read = () => {
    const q = (db as Kysely<AuditTables>).selectFrom('audit.chain_heads').select(['seq', 'hash']).where('chain', '=', chain);
    return (lock ? q.forUpdate() : q).executeTakeFirst();
  };
  let head = await read();
  if (!head) {
    // A concurrent first append inserts the same head, and waits.
    await (db as Kysely<AuditTables>).insertInto('audit.chain_heads').values({ chain, seq: 0, hash: GENESIS_HASH }).onConflict((oc) => oc.column('chain').doNothing()).execute();
    head = await read();
    if (!head) throw new Error(`audit chain head ${chain} is missing`);
  }
  return { seq: Number(head.seq), hash: head.hash };
}

/** An event as a record of `jsonb_to_recordset` (`EVENT_RECORD`): the time as its ISO string, the details as JSON. */
function eventRecord(event: AuditEvent) {
  return {
    id: event.id,
    chain: event.chain,
    seq: event.sequence,
    time: event.time,
    org_rid: event.organizationRid,
    actor_kind: event.actorKind,
    actor_id: event.actorId,
    category: event.category,
    outcome: event.outcome,
    resource_rids: event.resourceRids,
    request_id: event.requestId,
    client_ip: event.clientIp,
    user_agent: event.userAgent,
    details: event.details,
    prev_hash: event.previousHash,
    hash: event.hash,
  };
}

/** An event as a row of `audit.events` for Kysely. */
function eventRow(event: AuditEvent) {
  return { ...eventRecord(event), time: new Date(event.time), details: JSON.stringify(event.details) as never };
}

const EVENT_TYPES = {
  id: 'uuid',
  chain: 'text',
  seq: 'bigint',
  time: 'timestamptz',
  org_rid: 'text',
  actor_kind: 'text',
  actor_id: 'text',
  category: 'text',
  outcome: 'text',
  resource_rids: 'text[]',
  request_id: 'text',
  client_ip: 'text',
  user_agent: 'text',
  details: 'jsonb',
  prev_hash: 'text',
  hash: 'text',
} satisfies Record<keyof ReturnType<typeof eventRow>, string>;
const EVENT_COLUMNS = Object.keys(EVENT_TYPES);
const EVENT_RECORD = Object.entries(EVENT_TYPES)
  .map(([c, t]) => `${c} ${t}`)
  .join(', ');

/**
 * The statement of `appendCommitted`, compiled once (it is the same for every batch): it moves the
 * chain's head from ($4, $5) to ($1, $2) and inserts the events ($6, as JSON) only if the head
 * still stands there, and says whether it moved.
 */
let appendCommittedSql: string | undefined;
function appendCommittedText(db: Kysely<any>): string {
  appendCommittedSql ??= compileAppendCommitted(db);
  keepPrepared(appendCommittedSql);
  return appendCommittedSql;
}
function compileAppendCommitted(db: Kysely<any>): string {
  const p = (n: number) => sql.raw(`$${n}`);
  return sql`
    with head as (
      update audit.chain_heads set seq = ${p(1)}, hash = ${p(2)}
      where chain = ${p(3)} and seq = ${p(4)} and hash = ${p(5)}
      returning chain
    ), appended as (
      insert into audit.events (${sql.join(EVENT_COLUMNS.map((c) => sql.id(c)))})
      select ${sql.join(EVENT_COLUMNS.map((c) => sql.id('r', c)))}
      from jsonb_to_recordset(${p(6)}::jsonb) as r(${sql.raw(EVENT_RECORD)})
      where exists (select 1 from head)
      returning 1
    )
    select count(*)::int as moved from head`.compile(db).sql;
}

/**
 * Group commit for audit events of reads (which have no transaction of their own): a read's event
 * is appended with the reads that arrive while the previous batch commits, in one statement per
 * chain (`appendCommitted`), and the read answers only once its event is committed. One commit per
 * batch instead of one per read keeps many concurrent reads from queueing on the chain's head.
 */
export class AuditGroupCommit {
  private queue: Array<{ input: AuditEventInput; resolve: () => void; reject: (e: unknown) => void }> = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly db: Kysely<any>,
    private readonly log: AuditLog,
    private readonly maxBatch = 500,
  ) {}

  append(input: AuditEventInput): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.running ??= this.flush().finally(() => (this.running = undefined));
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        await this.log.appendCommitted(this.db, batch.map((b) => b.input));
        for (const b of batch) b.resolve();
      } catch (e) {
        for (const b of batch) b.reject(e);
      }
    }
  }
}
