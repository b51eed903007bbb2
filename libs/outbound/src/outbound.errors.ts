import { FoundryError } from '@openfoundry/kernel';
import type { BlockReason } from './address-policy.js';

/** Why an outbound request was refused or failed. */
export type OutboundFailure =
  | 'invalidUrl'
  | 'schemeNotAllowed'
  | 'addressBlocked'
  | 'dnsFailure'
  | 'connectionFailed'
  | 'tooManyRedirects'
  | 'responseTooLarge'
  | 'timeout';

const REFUSED: ReadonlySet<OutboundFailure> = new Set(['invalidUrl', 'schemeNotAllowed', 'addressBlocked']);

/**
 * An outbound request that was refused by policy (400 `OutboundUrlNotAllowed`), timed out (504
 * `OutboundRequestTimedOut`) or failed (412 `OutboundRequestFailed`). The parameters name the host
 * only: paths and query strings of user-supplied URLs can carry credentials.
 */
export class OutboundError extends FoundryError {
  readonly failure: OutboundFailure;
  readonly host: string;

  constructor(
    failure: OutboundFailure,
    host: string,
    details: { blockReason?: BlockReason; timeoutMs?: number; maxBytes?: number; maxRedirects?: number } = {},
  ) {
    const parameters = { host, reason: failure, ...details };
    if (failure === 'timeout') super('TIMEOUT', 'OutboundRequestTimedOut', parameters);
    else if (REFUSED.has(failure)) super('INVALID_ARGUMENT', 'OutboundUrlNotAllowed', parameters);
    else super('FAILED_PRECONDITION', 'OutboundRequestFailed', parameters);
    this.failure = failure;
    this.host = host;
  }

  /** True when policy (not the remote side) refused the request. */
  get refused(): boolean {
    return REFUSED.has(this.failure);
  }
}
