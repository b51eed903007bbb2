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
    return inTransaction(executor, async (trx) => {
      const db = trx as unknown as Kysely<AuditTables>;
      const chain = chainOf(input.orgRid);
      // The row lock serialises appends to one chain across replicas.
      const lockHead = () => db.selectFrom('audit.chain_heads').select(['seq', 'hash']).where('chain', '=', chain).forUpdate().executeTakeFirst();
      let head = await lockHead();
      if (!head) {
        // The chain's first event; a concurrent first append inserts the same head, and waits.
        await db.insertInto('audit.chain_heads').values({ chain, seq: 0, hash: GENESIS_HASH }).onConflict((oc) => oc.column('chain').doNothing()).execute();
        head = await lockHead();
        if (!head) throw new Error(`audit chain head ${chain} is missing`);
      }
      const unhashed: Omit<AuditEvent, 'hash'> = {
        id: randomUUID(),
        chain,
        sequence: Number(head.seq) + 1,
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
        previousHash: head.hash,
      };
      const event: AuditEvent = { ...unhashed, hash: chainHash(head.hash, hashedFields(unhashed)) };
      // One statement: the event and the chain's new head.
      await db
        .with('appended', (w) =>
          w
            .insertInto('audit.events')
            .values({
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
            })
            .returning('seq'),
        )
        .updateTable('audit.chain_heads')
        .set({ seq: event.sequence, hash: event.hash })
        .where('chain', '=', chain)
        .execute();
      return event;
    });
  }
}
