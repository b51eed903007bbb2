import type { Kysely, MigrationSet } from '@openfoundry/db';
import type { App } from '@openfoundry/http';
import { systemClock, type Clock } from '@openfoundry/kernel';
import { AuditGroupCommit, AuditLog } from './audit.log.js';
import { auditMigrations } from './audit.migrations.js';
import { registerAuditRoutes } from './audit.routes.js';
import { verifyAll, type ChainReport } from './audit.verify.js';
import type { AuditTables } from './audit.types.js';

export { AuditLog, AuditGroupCommit } from './audit.log.js';
export type { AuditEvent, AuditEventInput, AuditOutcome, ActorKind } from './audit.types.js';
export type { ChainReport, ChainProblem, ProblemKind } from './audit.verify.js';
export { verifyChain } from './audit.verify.js';
export { successEvent } from './actor-event.js';

/** The audit service as the composition root sees it. */
export interface AuditModule {
  log: AuditLog;
  /** Events of reads, committed in shared batches (a read answers once its event is committed). */
  reads: AuditGroupCommit;
  migrations: MigrationSet;
  registerRoutes(app: App): Promise<void>;
  verify(filter?: { chain?: string }): Promise<ChainReport[]>;
}

export function createAudit(deps: { db: Kysely<any>; clock?: Clock }): AuditModule {
  const db = deps.db as Kysely<AuditTables>;
  const log = new AuditLog(deps.clock ?? systemClock);
  return {
    log,
    reads: new AuditGroupCommit(deps.db, log),
    migrations: auditMigrations,
    registerRoutes: async (app) => registerAuditRoutes(app, db),
    verify: (filter) => verifyAll(db, filter),
  };
}
