/**
 * Named errors of the platform and their mapping to HTTP statuses, in one place.
 * Every error body the server sends is the Foundry error envelope built from these.
 */

/** Foundry's error codes; each maps to exactly one HTTP status. */
export const ERROR_CODE_STATUS = {
  UNAUTHORIZED: 401,
  PERMISSION_DENIED: 403,
  INVALID_ARGUMENT: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  REQUEST_ENTITY_TOO_LARGE: 413,
  FAILED_PRECONDITION: 412,
  TOO_MANY_REQUESTS: 429,
  INTERNAL: 500,
  TIMEOUT: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_CODE_STATUS;

/** The Foundry error envelope. */
export interface ErrorEnvelope {
  errorCode: ErrorCode;
  errorName: string;
  errorInstanceId: string;
  parameters: Record<string, unknown>;
}

/**
 * Base class of every error that is allowed to reach a client with its details.
 * Anything else becomes a generic 500 whose details stay in the log.
 */
export class FoundryError extends Error {
  readonly errorCode: ErrorCode;
  readonly errorName: string;
  readonly parameters: Record<string, unknown>;
  /** Extra response headers (e.g. Retry-After). */
  readonly headers: Record<string, string>;

  constructor(
    errorCode: ErrorCode,
    errorName: string,
    parameters: Record<string, unknown> = {},
    message?: string,
    headers: Record<string, string> = {},
  ) {
    super(message ?? `${errorName}${Object.keys(parameters).length ? ` ${JSON.stringify(parameters)}` : ''}`);
    this.name = errorName;
    this.errorCode = errorCode;
    this.errorName = errorName;
    this.parameters = parameters;
    this.headers = headers;
  }

  get statusCode(): number {
    return ERROR_CODE_STATUS[this.errorCode];
  }
}

export class InvalidArgumentError extends FoundryError {
  constructor(errorName: string, parameters: Record<string, unknown> = {}, message?: string) {
    super('INVALID_ARGUMENT', errorName, parameters, message);
  }
}

export class NotFoundError extends FoundryError {
  constructor(errorName: string, parameters: Record<string, unknown> = {}) {
    super('NOT_FOUND', errorName, parameters);
  }
}

export class PermissionDeniedError extends FoundryError {
  constructor(errorName: string, parameters: Record<string, unknown> = {}) {
    super('PERMISSION_DENIED', errorName, parameters);
  }
}

export class ConflictError extends FoundryError {
  constructor(errorName: string, parameters: Record<string, unknown> = {}) {
    super('CONFLICT', errorName, parameters);
  }
}

export class UnauthorizedError extends FoundryError {
  constructor(errorName = 'MissingCredentials', parameters: Record<string, unknown> = {}) {
    super('UNAUTHORIZED', errorName, parameters);
  }
}

export class TooManyRequestsError extends FoundryError {
  constructor(errorName: string, retryAfterSeconds: number) {
    super('TOO_MANY_REQUESTS', errorName, { retryAfterSeconds }, undefined, {
      'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))),
    });
  }
}

export class FailedPreconditionError extends FoundryError {
  constructor(errorName: string, parameters: Record<string, unknown> = {}) {
    super('FAILED_PRECONDITION', errorName, parameters);
  }
}

export function isFoundryError(e: unknown): e is FoundryError {
  return e instanceof FoundryError;
}
