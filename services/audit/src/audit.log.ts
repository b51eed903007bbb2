import { randomUUID } from 'node:crypto';
import { inTransaction, type Executor, type Kysely } from '@openfoundry/db';
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

/**
 * Appends events to the hash chain of their organization. Callers pass the transaction of the
 * change being audited, so the change and its event commit (or roll back) together.
 */
export class AuditLog {
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
      const chains = new Map<string, AuditEventInput[]>();
      for (const input of inputs) chains.set(chainOf(input.orgRid), [...(chains.get(chainOf(input.orgRid)) ?? []), input]);
      // Chains in a fixed order, so two batches never wait on each other's heads.
      for (const chain of [...chains.keys()].sort()) {
        // The row lock serialises appends to one chain across replicas.
        const lockHead = () => db.selectFrom('audit.chain_heads').select(['seq', 'hash']).where('chain', '=', chain).forUpdate().executeTakeFirst();
        let head = await lockHead();
        if (!head) {
          // The chain's first event; a concurrent first append inserts the same head, and waits.
          await db.insertInto('audit.chain_heads').values({ chain, seq: 0, hash: GENESIS_HASH }).onConflict((oc) => oc.column('chain').doNothing()).execute();
          head = await lockHead();
          if (!head) throw new Error(`audit chain head ${chain} is missing`);
        }
        let seq = Number(head.seq);
        let previousHash = head.hash;
        const events: AuditEvent[] = [];
        for (const input of chains.get(chain)!) {
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
          events.push(event);
          out.set(input, event);
        }
        const last = events[events.length - 1]!;
        // One statement: the events and the chain's new head.
        await db
          .with('appended', (w) =>
            w
              .insertInto('audit.events')
              .values(
                events.map((event) => ({
                  id: event.id,
                  chain,
                  seq: event.sequence,
                  time: new Date(event.time),
                  org_rid: event.organizationRid,
                  actor_kind: event.actorKind,
                  actor_id: event.actorId,
                  category: event.category,
                  outcome: event.outcome,
                  resource_rids: event.resourceRids,
                  request_id: event.requestId,
                  client_ip: event.clientIp,
                  user_agent: event.userAgent,
                  details: JSON.stringify(event.details) as never,
                  prev_hash: event.previousHash,
                  hash: event.hash,
                })),
              )
              .returning('seq'),
          )
          .updateTable('audit.chain_heads')
          .set({ seq: last.sequence, hash: last.hash })
          .where('chain', '=', chain)
          .execute();
      }
      return inputs.map((i) => out.get(i)!);
    });
  }
}

/**
 * Group commit for audit events of reads (which have no transaction of their own): a read's event
 * is appended in a transaction shared with the reads that arrive while the previous one commits,
 * and the read answers only once its event is committed. One transaction per batch instead of
 * one per read keeps many concurrent reads from queueing on the chain's row lock.
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
        await this.db.transaction().execute((trx) => this.log.appendMany(trx, batch.map((b) => b.input)));
        for (const b of batch) b.resolve();
      } catch (e) {
        for (const b of batch) b.reject(e);
      }
    }
  }
}
