import { createOpenFoundryClient, ok, isOpenFoundryError, type Schemas, type ResponseOf, type BodyOf } from '@openfoundry/sdk';

/** The one API client of the app: same origin, session cookie, CSRF token set once the session is known. */
export const api = createOpenFoundryClient({ baseUrl: window.location.origin });

export { ok, isOpenFoundryError };
export type { Schemas, ResponseOf, BodyOf };

/** True for errors a retry cannot fix (every 4xx). */
export function isClientError(e: unknown): boolean {
  return isOpenFoundryError(e) && e.status >= 400 && e.status < 500;
}
