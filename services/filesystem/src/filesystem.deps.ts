import type { Executor } from '@openfoundry/db';
import type { PrincipalDirectory } from '@openfoundry/authz';
import type { AuditLog } from '@openfoundry/audit';
import type { Clock } from '@openfoundry/kernel';
import type { ResourceRepository } from './resource.repository.js';
import type { AccessService } from './access.service.js';

/**
 * Called in the transaction of a permanent delete with the RIDs of one type of resource being
 * deleted, so the service owning that type (datasets, ontology...) removes its own data with it.
 */
export type PermanentDeleteHook = (trx: Executor, rids: string[]) => Promise<void>;

/** What the filesystem's services share. */
export interface FilesystemDeps {
  repo: ResourceRepository;
  access: AccessService;
  audit: AuditLog;
  directory: PrincipalDirectory;
  clock: Clock;
  deleteHooks: Map<string, PermanentDeleteHook[]>;
}

/** A unique index refused the write (a concurrent request took the name first). */
export function isUniqueViolation(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === '23505';
}
