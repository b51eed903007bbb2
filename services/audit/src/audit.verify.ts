import type { Kysely } from '@openfoundry/db';
import { GENESIS_HASH, chainHash } from './canonical.js';
import { hashedFields, rowToEvent } from './audit.log.js';
import type { AuditEvent, AuditTables } from './audit.types.js';

export type ProblemKind = 'modified' | 'deleted' | 'inserted' | 'reordered' | 'truncated' | 'broken-link';

export interface ChainProblem {
  kind: ProblemKind;
  sequence: number;
  eventId?: string | undefined;
  message: string;
}

export interface ChainReport {
  chain: string;
  events: number;
  ok: boolean;
  problems: ChainProblem[];
}

/**
 * Recomputes each chain from its first event and says what was tampered with and where:
 * an event whose content no longer matches its hash (modified), a gap in the sequence
 * (deleted), an event that no other event links to (inserted), an event whose link points at a
 * different position in the chain (reordered), or a chain head ahead of the last event (events
 * removed from the end).
 */
export function verifyChain(chain: string, events: AuditEvent[], head: { seq: number; hash: string } | undefined): ChainReport {
  const problems: ChainProblem[] = [];
  const byHash = new Map(events.map((e, i) => [e.hash, i]));
  const linkedTo = new Set(events.map((e) => e.previousHash));
  let expectedPrev = GENESIS_HASH;
  let expectedSeq = 1;

  events.forEach((e, i) => {
    const recomputed = chainHash(e.previousHash, hashedFields(e));
    if (recomputed !== e.hash) {
      problems.push({ kind: 'modified', sequence: e.sequence, eventId: e.id, message: `event #${e.sequence} (${e.id}) was modified: its content does not match its hash` });
    }
    if (e.sequence > expectedSeq) {
      const range = e.sequence - 1 === expectedSeq ? `#${expectedSeq}` : `#${expectedSeq}–#${e.sequence - 1}`;
      problems.push({ kind: 'deleted', sequence: expectedSeq, message: `event ${range} deleted: the sequence jumps to #${e.sequence}` });
    } else if (e.sequence < expectedSeq) {
      problems.push({ kind: 'inserted', sequence: e.sequence, eventId: e.id, message: `event #${e.sequence} (${e.id}) was inserted: sequence number #${e.sequence} is used twice` });
    }
    if (e.previousHash !== expectedPrev) {
      const target = byHash.get(e.previousHash);
      const isLast = i === events.length - 1;
      const nothingLinksHere = !isLast && !linkedTo.has(e.hash);
      if (e.previousHash === GENESIS_HASH || (target !== undefined && target !== i - 1)) {
        problems.push({
          kind: 'reordered',
          sequence: e.sequence,
          eventId: e.id,
          message: `event #${e.sequence} (${e.id}) is out of order: it was written after ${e.previousHash === GENESIS_HASH ? 'the start of the chain' : `event #${events[target!]!.sequence}`}`,
        });
      } else if (target === undefined && nothingLinksHere) {
        problems.push({ kind: 'inserted', sequence: e.sequence, eventId: e.id, message: `event #${e.sequence} (${e.id}) was inserted: it links to no event of the chain and none links to it` });
      } else if (!problems.some((p) => p.kind === 'deleted' && p.sequence <= e.sequence)) {
        problems.push({ kind: 'broken-link', sequence: e.sequence, eventId: e.id, message: `event #${e.sequence} (${e.id}) does not link to the event before it` });
      }
    }
    expectedPrev = e.hash;
    expectedSeq = Math.max(expectedSeq, e.sequence + 1);
  });

  if (head && head.seq > expectedSeq - 1) {
    problems.push({ kind: 'truncated', sequence: expectedSeq, message: `events #${expectedSeq}–#${head.seq} deleted from the end of the chain` });
  } else if (head && events.length && head.hash !== events[events.length - 1]!.hash && !problems.length) {
    problems.push({ kind: 'broken-link', sequence: head.seq, message: 'the chain head does not match the last event' });
  }
  return { chain, events: events.length, ok: problems.length === 0, problems };
}

/** Verifies every chain (or one), reading events in sequence order in batches. */
export async function verifyAll(db: Kysely<AuditTables>, filter: { chain?: string } = {}): Promise<ChainReport[]> {
  let q = db.selectFrom('audit.chain_heads').selectAll().orderBy('chain');
  if (filter.chain) q = q.where('chain', '=', filter.chain);
  const heads = await q.execute();
  const chains = new Set(heads.map((h) => h.chain));
  let cq = db.selectFrom('audit.events').select('chain').distinct();
  if (filter.chain) cq = cq.where('chain', '=', filter.chain);
  for (const r of await cq.execute()) chains.add(r.chain);

  const reports: ChainReport[] = [];
  for (const chain of [...chains].sort()) {
    const events: AuditEvent[] = [];
    let after: { seq: number; id: string } | undefined;
    for (;;) {
      let eq = db.selectFrom('audit.events').selectAll().where('chain', '=', chain).orderBy('seq').orderBy('inserted_at').orderBy('id').limit(5000);
      if (after) {
        const a = after;
        eq = eq.where((eb) => eb.or([eb('seq', '>', a.seq), eb.and([eb('seq', '=', a.seq), eb('id', '>', a.id)])]));
      }
      const rows = await eq.execute();
      events.push(...rows.map(rowToEvent));
      if (rows.length < 5000) break;
      const last = rows[rows.length - 1]!;
      after = { seq: Number(last.seq), id: last.id };
    }
    const head = heads.find((h) => h.chain === chain);
    reports.push(verifyChain(chain, events, head && { seq: Number(head.seq), hash: head.hash }));
  }
  return reports;
}
