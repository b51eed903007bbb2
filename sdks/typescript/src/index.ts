import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema.js';
import { OpenFoundryError } from './errors.js';

export type { components, operations, paths } from './schema.js';
export { OpenFoundryError, isOpenFoundryError, isErrorEnvelope, type ErrorEnvelope, type OpenFoundryErrorCode } from './errors.js';

/** The named schemas of the OpenAPI document (`Schemas['AuditEvent']`...). */
export type Schemas = components['schemas'];

type Method = 'get' | 'put' | 'post' | 'delete' | 'patch';

/** The JSON body of an endpoint's 200 answer: `ResponseOf<'/api/v2/auth/session', 'get'>`. */
export type ResponseOf<P extends keyof paths, M extends Method & keyof paths[P]> = paths[P][M] extends {
  responses: { 200: { content: { 'application/json': infer R } } };
}
  ? R
  : never;

/** The JSON request body of an endpoint: `BodyOf<'/api/v2/auth/tokens', 'post'>`. */
export type BodyOf<P extends keyof paths, M extends Method & keyof paths[P]> = paths[P][M] extends {
  requestBody?: { content: { 'application/json': infer B } };
}
  ? B
  : never;

export interface OpenFoundryClientOptions {
  /** Where the server is: `https://foundry.example.com`, or `window.location.origin` in the web app. */
  baseUrl: string;
  /** The session's CSRF token (from sign-in or `GET /api/v2/auth/session`); sent on every write. */
  csrfToken?: string | undefined;
  /** A personal access token or OAuth access token, sent as `Authorization: Bearer`; cookies are then not sent. */
  token?: string | undefined;
  /** A fetch implementation (tests, a proxy agent...); the global fetch by default. */
  fetch?: typeof globalThis.fetch;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
}

/**
 * The typed client: `client.GET('/api/v2/filesystem/spaces')`, `client.POST(...)`, with paths,
 * parameters, bodies and responses checked against the OpenAPI document. Every non-2xx answer is
 * thrown as an {@link OpenFoundryError}, so a returned `data` is always a success.
 */
export type OpenFoundryClient = Client<paths> & {
  /** Replaces the CSRF token (after sign-in, or when the session changes). */
  setCsrfToken(token: string | undefined): void;
  readonly csrfToken: string | undefined;
};

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Creates a client of the OpenFoundry API. */
export function createOpenFoundryClient(options: OpenFoundryClientOptions): OpenFoundryClient {
  let csrfToken = options.csrfToken;
  const client = createClient<paths>({
    baseUrl: options.baseUrl,
    // A browser session lives in an HttpOnly cookie; a bearer token must not be mixed with it.
    credentials: options.token ? 'omit' : 'same-origin',
    ...(options.fetch ? { fetch: options.fetch } : {}),
    headers: { accept: 'application/json', ...options.headers },
  });

  const auth: Middleware = {
    onRequest({ request }) {
      if (options.token) request.headers.set('authorization', `Bearer ${options.token}`);
      else if (csrfToken && !SAFE_METHODS.has(request.method)) request.headers.set('x-csrf-token', csrfToken);
      return request;
    },
    async onResponse({ response }) {
      if (response.ok) return undefined;
      const text = await response.clone().text();
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // Not JSON: keep the text for the error's parameters.
      }
      throw OpenFoundryError.fromResponse(response.status, body, response.statusText);
    },
  };
  client.use(auth);

  // defineProperties, not Object.assign: assign would read the getter once and copy its value.
  return Object.defineProperties(client, {
    setCsrfToken: {
      value: (token: string | undefined) => {
        csrfToken = token;
      },
    },
    csrfToken: { get: () => csrfToken, enumerable: true },
  }) as typeof client & { setCsrfToken(token: string | undefined): void; readonly csrfToken: string | undefined };
}

/**
 * Returns the `data` of a call, for code that wants the value directly:
 * `const spaces = await ok(client.GET('/api/v2/filesystem/spaces'))`.
 */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const result = await call;
  if (result.error !== undefined || !result.response.ok) {
    throw OpenFoundryError.fromResponse(result.response.status, result.error, result.response.statusText);
  }
  return result.data as T;
}

/** A page of a Foundry list endpoint. */
export interface Page<T> {
  data: T[];
  nextPageToken?: string | undefined;
}

/**
 * Walks every page of a list endpoint: `for await (const u of pages((pageToken) =>
 * ok(client.GET('/api/v2/admin/users', { params: { query: { pageToken } } }))))`.
 */
export async function* pages<T>(fetchPage: (pageToken: string | undefined) => Promise<Page<T>>): AsyncGenerator<T> {
  let token: string | undefined;
  do {
    const page = await fetchPage(token);
    yield* page.data;
    token = page.nextPageToken;
  } while (token);
}

/** Builds a URL for a GET endpoint (downloads and exports the browser fetches itself). */
export function urlOf(baseUrl: string, path: keyof paths & string, query: Record<string, string | number | boolean | undefined> = {}): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') search.set(k, String(v));
  const qs = search.toString();
  return `${baseUrl.replace(/\/$/, '')}${path}${qs ? `?${qs}` : ''}`;
}
