import type { Principal } from '@openfoundry/authz';
import type { AuditEventInput, AuditLog } from '@openfoundry/audit';
import type { Executor } from '@openfoundry/db';
import type { RequestContext } from '@openfoundry/http';

/** Who asks, and the request facts audit events record. */
export interface Caller {
  principal: Principal;
  ctx?: RequestContext | undefined;
}

/** Request facts for audit events of a request (or none, for CLI and bootstrap calls). */
export function requestFacts(ctx: RequestContext | undefined): Pick<AuditEventInput, 'requestId' | 'clientIp' | 'userAgent'> {
  return ctx ? { requestId: ctx.requestId, clientIp: ctx.clientIp, userAgent: ctx.userAgent ?? null } : {};
}

/** Appends an event acted by `caller`'s principal in its organization. */
export function auditAs(
  audit: AuditLog,
  trx: Executor,
  caller: Caller,
  event: Pick<AuditEventInput, 'category' | 'resourceRids' | 'details'> & { outcome?: AuditEventInput['outcome'] },
) {
  return audit.append(trx, {
    orgRid: caller.principal.orgRid,
    actor: { kind: caller.principal.kind, id: caller.principal.userId },
    outcome: event.outcome ?? 'success',
    category: event.category,
    resourceRids: event.resourceRids,
    details: { via: caller.principal.via, credentialId: caller.principal.credentialId, ...event.details },
    ...requestFacts(caller.ctx),
  });
}

/** The caller of a guarded route (the auth hook has set the principal). */
export function callerOf(request: { principal?: Principal | undefined; ctx: RequestContext }): Caller {
  return { principal: request.principal!, ctx: request.ctx };
}
