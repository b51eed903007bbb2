/** Foundry's error codes, as sent in the `errorCode` field of the error envelope. */
export type OpenFoundryErrorCode =
  | 'UNAUTHORIZED'
  | 'PERMISSION_DENIED'
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'REQUEST_ENTITY_TOO_LARGE'
  | 'FAILED_PRECONDITION'
  | 'TOO_MANY_REQUESTS'
  | 'INTERNAL'
  | 'TIMEOUT'
  /** The response was not an error envelope (a proxy's HTML page, an empty body...). */
  | 'UNKNOWN';

/** The Foundry error envelope every API error body carries. */
export interface ErrorEnvelope {
  errorCode: string;
  errorName: string;
  errorInstanceId: string;
  parameters: Record<string, unknown>;
}

export function isErrorEnvelope(value: unknown): value is ErrorEnvelope {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.errorCode === 'string' && typeof v.errorName === 'string' && typeof v.errorInstanceId === 'string';
}

/**
 * An error answer of the API. `errorName` says what went wrong (`ProjectNotFound`,
 * `InvalidCsrfToken`...), `parameters` carry its details and `errorInstanceId` is the id the
 * server also logged, for support.
 */
export class OpenFoundryError extends Error {
  readonly status: number;
  readonly errorCode: OpenFoundryErrorCode;
  readonly errorName: string;
  readonly errorInstanceId: string;
  readonly parameters: Record<string, unknown>;

  constructor(status: number, envelope: ErrorEnvelope) {
    const params = envelope.parameters ?? {};
    super(`${envelope.errorName}${Object.keys(params).length ? ` ${JSON.stringify(params)}` : ''}`);
    this.name = 'OpenFoundryError';
    this.status = status;
    this.errorCode = envelope.errorCode as OpenFoundryErrorCode;
    this.errorName = envelope.errorName;
    this.errorInstanceId = envelope.errorInstanceId;
    this.parameters = params;
  }

  /** Builds the error from a non-2xx response body (already read). */
  static fromResponse(status: number, body: unknown, statusText = ''): OpenFoundryError {
    if (isErrorEnvelope(body)) return new OpenFoundryError(status, { ...body, parameters: body.parameters ?? {} });
    return new OpenFoundryError(status, {
      errorCode: 'UNKNOWN',
      errorName: 'UnexpectedResponse',
      errorInstanceId: '',
      parameters: { status, ...(statusText ? { statusText } : {}), ...(typeof body === 'string' && body ? { body: body.slice(0, 500) } : {}) },
    });
  }
}

/** True when `e` is an API error, optionally with the given `errorName`. */
export function isOpenFoundryError(e: unknown, errorName?: string): e is OpenFoundryError {
  return e instanceof OpenFoundryError && (errorName === undefined || e.errorName === errorName);
}
