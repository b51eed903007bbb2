import type { ResourceActor } from '@openfoundry/authz';
import type { AuditEventInput } from './audit.types.js';

/** A successful action by a principal, with the request facts the trail records. Details never hold secrets. */
export function successEvent(actor: ResourceActor, category: string, resourceRids: string[], details: Record<string, unknown>): AuditEventInput {
  return {
    orgRid: actor.principal.orgRid,
    actor: { kind: actor.principal.kind === 'service' ? 'service' : 'user', id: actor.principal.userId },
    category,
    outcome: 'success',
    resourceRids,
    requestId: actor.ctx?.requestId,
    clientIp: actor.ctx?.clientIp,
    userAgent: actor.ctx?.userAgent,
    details,
  };
}
