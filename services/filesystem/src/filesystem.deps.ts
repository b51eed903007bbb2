import type { PermanentDeleteHook, PrincipalDirectory } from '@openfoundry/authz';
import type { AuditLog } from '@openfoundry/audit';
import type { Clock } from '@openfoundry/kernel';
import type { ResourceRepository } from './resource.repository.js';
import type { AccessService } from './access.service.js';

/** What the filesystem's services share. */
export interface FilesystemDeps {
  repo: ResourceRepository;
  access: AccessService;
  audit: AuditLog;
  directory: PrincipalDirectory;
  clock: Clock;
  deleteHooks: Map<string, PermanentDeleteHook[]>;
}

