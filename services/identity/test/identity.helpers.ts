import type { Clock } from '@openfoundry/kernel';
import type { TestServer } from '@openfoundry/testkit';

/** A clock tests move forward to expire tokens, sessions, locks and memberships. */
export class TestClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

export interface StoredAuditEvent {
  chain: string;
  org_rid: string | null;
  actor_kind: string;
  actor_id: string | null;
  category: string;
  outcome: string;
  resource_rids: string[];
  details: Record<string, unknown>;
}

/** Audit events as stored (every chain, including the platform chain), oldest first. */
export async function auditEvents(ts: TestServer, filter: { category?: string; orgRid?: string | null } = {}): Promise<StoredAuditEvent[]> {
  let q = ts.server.platform.database.db.selectFrom('audit.events').selectAll().orderBy('inserted_at').orderBy('seq');
  if (filter.category) q = q.where('category', '=', filter.category);
  if (filter.orgRid !== undefined) q = filter.orgRid === null ? q.where('org_rid', 'is', null) : q.where('org_rid', '=', filter.orgRid);
  const rows = (await q.execute()) as StoredAuditEvent[];
  return rows.map((r) => ({ ...r, details: typeof r.details === 'string' ? JSON.parse(r.details) : r.details }));
}

/** Counts rows of an identity table, to prove a refused request changed nothing. */
export async function countRows(ts: TestServer, table: string): Promise<number> {
  const r = await ts.server.platform.database.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

export const DAY = 86_400_000;
export const HOUR = 3_600_000;
