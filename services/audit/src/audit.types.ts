import type { Generated } from '@openfoundry/db';

export type AuditOutcome = 'success' | 'failure' | 'denied';
export type ActorKind = 'user' | 'service' | 'anonymous' | 'system';

/** What a caller records. The audit service adds sequence, time and hashes. */
export interface AuditEventInput {
  /** Organization the event belongs to; `null` for platform events (e.g. a failed sign-in for an unknown email). */
  orgRid: string | null;
  actor: { kind: ActorKind; id?: string | null | undefined };
  /** Dotted name: `auth.login`, `token.create`, `filesystem.project.create`... */
  category: string;
  outcome: AuditOutcome;
  resourceRids?: string[] | undefined;
  requestId?: string | null | undefined;
  clientIp?: string | null | undefined;
  userAgent?: string | null | undefined;
  /** Structured details; never secrets. */
  details?: Record<string, unknown> | undefined;
}

/** An event as stored and served. */
export interface AuditEvent {
  id: string;
  chain: string;
  sequence: number;
  time: string;
  organizationRid: string | null;
  actorKind: ActorKind;
  actorId: string | null;
  category: string;
  outcome: AuditOutcome;
  resourceRids: string[];
  requestId: string | null;
  clientIp: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
  previousHash: string;
  hash: string;
}

export interface AuditTables {
  'audit.events': {
    id: string;
    chain: string;
    seq: number;
    time: Date;
    org_rid: string | null;
    actor_kind: string;
    actor_id: string | null;
    category: string;
    outcome: string;
    resource_rids: string[];
    request_id: string | null;
    client_ip: string | null;
    user_agent: string | null;
    details: Record<string, unknown>;
    prev_hash: string;
    hash: string;
    inserted_at: Generated<Date>;
  };
  'audit.chain_heads': {
    chain: string;
    seq: number;
    hash: string;
  };
}
