/** A response with its body parsed as JSON when it is JSON. */
export interface HttpResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/**
 * A small fetch client for tests: bearer token or cookie session (with its CSRF token), JSON in
 * and out. It talks to the real server over HTTP.
 */
export class HttpClient {
  private cookies = new Map<string, string>();
  csrfToken: string | undefined;

  constructor(
    readonly baseUrl: string,
    readonly token?: string,
  ) {}

  withToken(token: string): HttpClient {
    return new HttpClient(this.baseUrl, token);
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  setCookie(name: string, value: string): void {
    this.cookies.set(name, value);
  }

  async request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    init: { headers?: Record<string, string>; raw?: string | Buffer; csrf?: boolean; redirect?: RequestRedirect } = {},
  ): Promise<HttpResponse<T>> {
    const headers: Record<string, string> = { ...init.headers };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (this.cookies.size) headers.cookie = this.cookieHeader();
    if (this.csrfToken && init.csrf !== false && !['GET', 'HEAD'].includes(method)) headers['x-csrf-token'] = this.csrfToken;
    let payload: string | Buffer | undefined = init.raw;
    if (body !== undefined && payload === undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(new URL(path, this.baseUrl), { method, headers, body: payload as BodyInit | undefined, redirect: init.redirect ?? 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i).trim();
      const value = pair!.slice(i + 1).trim();
      if (value === '' || /max-age=0|expires=Thu, 01 Jan 1970/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json') && text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  }

  get<T = any>(path: string, init?: Parameters<HttpClient['request']>[3]) {
    return this.request<T>('GET', path, undefined, init);
  }
  post<T = any>(path: string, body?: unknown, init?: Parameters<HttpClient['request']>[3]) {
    return this.request<T>('POST', path, body, init);
  }
  put<T = any>(path: string, body?: unknown, init?: Parameters<HttpClient['request']>[3]) {
    return this.request<T>('PUT', path, body, init);
  }
  patch<T = any>(path: string, body?: unknown, init?: Parameters<HttpClient['request']>[3]) {
    return this.request<T>('PATCH', path, body, init);
  }
  delete<T = any>(path: string, init?: Parameters<HttpClient['request']>[3]) {
    return this.request<T>('DELETE', path, undefined, init);
  }
}

/** Asserts the Foundry error envelope and returns it. */
export function expectEnvelope(res: HttpResponse, status: number, errorName?: string) {
  const b = res.body as { errorCode?: string; errorName?: string; errorInstanceId?: string; parameters?: unknown };
  const ok = res.status === status && typeof b === 'object' && b !== null && typeof b.errorCode === 'string' && typeof b.errorInstanceId === 'string' && typeof b.parameters === 'object' && (!errorName || b.errorName === errorName);
  if (!ok) throw new Error(`expected ${status}${errorName ? ` ${errorName}` : ''} envelope, got ${res.status} ${res.text.slice(0, 500)}`);
  return b as { errorCode: string; errorName: string; errorInstanceId: string; parameters: Record<string, unknown> };
}

/** What Palantir's published clients throw for an error response (their `PalantirApiError`). */
export interface ApiError {
  statusCode?: number;
  errorName?: string;
  parameters?: Record<string, unknown>;
}

/** The error a client call rejects with; fails the test when the call succeeds. */
export async function apiError(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    return e as ApiError;
  }
  throw new Error('expected the call to fail');
}
