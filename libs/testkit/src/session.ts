import { HttpClient } from './http.js';
import type { TestServer } from './server.js';

/**
 * Signs in through `POST /api/v2/auth/login` and returns a client that carries the session
 * cookie and sends the session's CSRF token on writes, as the web app does.
 */
export async function loginSession(ts: Pick<TestServer, 'url'>, email: string, password: string): Promise<HttpClient> {
  const client = new HttpClient(ts.url);
  const res = await client.post<{ csrfToken?: string }>('/api/v2/auth/login', { email, password });
  if (res.status !== 200 || typeof res.body?.csrfToken !== 'string') throw new Error(`login failed: ${res.status} ${res.text.slice(0, 300)}`);
  client.csrfToken = res.body.csrfToken;
  return client;
}
