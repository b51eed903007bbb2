import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, request as undiciRequest, errors as undiciErrors } from 'undici';
import { blockedReason } from './address-policy.js';
import { parseAllowList, type AllowList } from './allow-list.js';
import { OutboundError } from './outbound.errors.js';

/** One resolved address of a host. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a hostname to all of its addresses (default: `dns.lookup` with `all: true`). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface OutboundOptions {
  /** Operator allow-list entries (`host` or `host:port`); see {@link parseAllowList}. */
  allowHosts?: readonly string[] | undefined;
  /** Cap on the whole exchange, redirects and body included. Default 10 s. */
  timeoutMs?: number | undefined;
  /** Cap on the response body. Default 5 MiB. */
  maxBytes?: number | undefined;
  /** Redirects followed (each re-checked) before giving up. Default 5. */
  maxRedirects?: number | undefined;
  /** DNS resolution; replaceable so tests can simulate what a hostile DNS server answers. */
  resolve?: Resolver | undefined;
}

/** A `fetch` restricted by the outbound policy. Responses are fully buffered (within `maxBytes`). */
export type OutboundFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Where a vetted request will connect: the address is pinned for the connection. */
export interface Destination {
  url: URL;
  address: string;
  family: 4 | 6;
  /** The host is on the operator allow-list. */
  allowListed: boolean;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;
const DEFAULT_MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);
// Set by the HTTP client itself or meaningless for a buffered exchange. accept-encoding is
// dropped so no compressed body (a decompression bomb) is ever asked for.
const DROPPED_REQUEST_HEADERS = ['host', 'connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'accept-encoding', 'content-length'];
// Never carried to another origin on redirect.
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

const systemResolver: Resolver = async (hostname) => {
  const all = await dnsLookup(hostname, { all: true, verbatim: true });
  return all.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

function hostLabel(url: URL): string {
  return url.host;
}

function effectivePort(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

/**
 * Checks a URL against the policy and resolves it: https only (plain http only for allow-listed
 * hosts), and every address the name resolves to must be public unless the host is allow-listed.
 * Refusing when any address is private (not just the first) stops a name that mixes a public
 * and a private answer from being raced.
 */
export async function vetDestination(url: URL, allowList: AllowList, resolve: Resolver = systemResolver): Promise<Destination> {
  if (url.username || url.password) throw new OutboundError('invalidUrl', hostLabel(url));
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new OutboundError('schemeNotAllowed', hostLabel(url));
  const bare = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const allowListed = allowList.allows(bare, effectivePort(url));
  if (url.protocol === 'http:' && !allowListed) throw new OutboundError('schemeNotAllowed', hostLabel(url));

  let addresses: ResolvedAddress[];
  const literal = isIP(bare);
  if (literal) {
    addresses = [{ address: bare, family: literal === 6 ? 6 : 4 }];
  } else {
    try {
      addresses = await resolve(bare);
    } catch {
      throw new OutboundError('dnsFailure', hostLabel(url));
    }
    if (!addresses.length) throw new OutboundError('dnsFailure', hostLabel(url));
  }
  if (!allowListed) {
    for (const a of addresses) {
      const reason = blockedReason(a.address);
      if (reason) throw new OutboundError('addressBlocked', hostLabel(url), { blockReason: reason });
    }
  }
  const first = addresses[0]!;
  return { url, address: first.address, family: first.family, allowListed };
}

/** A lookup that always answers the vetted address, so a second DNS answer can never be used. */
function pinnedLookup(dest: Destination): LookupFunction {
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address: dest.address, family: dest.family }]);
    else callback(null, dest.address, dest.family);
  }) as unknown as LookupFunction;
}

/** Drops a body we will not read; the abort it causes is expected, not an error to report. */
function discard(body: { on(event: 'error', fn: () => void): unknown; destroy(): void }): void {
  body.on('error', () => {});
  body.destroy();
}

async function readCapped(body: AsyncIterable<Uint8Array> & Parameters<typeof discard>[0], maxBytes: number, host: string): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      discard(body);
      throw new OutboundError('responseTooLarge', host, { maxBytes });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function toHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const h = new Headers();
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) h.append(k, item);
  }
  return h;
}

/**
 * Creates the only HTTP client that may fetch user-supplied URLs (webhooks, REST connectors, OIDC
 * issuers). Each hop is vetted ({@link vetDestination}) and the connection goes to the vetted IP
 * (a pinned DNS lookup), so DNS rebinding cannot swap the address between check and connect.
 * Redirects are followed by hand, re-vetting every hop and dropping credentials across origins.
 * The total time and the response size are capped.
 *
 * The result is `fetch`-compatible (openid-client accepts it through its `customFetch` symbol).
 * Policy failures throw {@link OutboundError}; an abort by the caller's signal rethrows its reason.
 */
export function createOutboundFetch(options: OutboundOptions = {}): OutboundFetch {
  const allowList = parseAllowList(options.allowHosts ?? []);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const resolve = options.resolve ?? systemResolver;

  return async function outboundFetch(input, init) {
    let url: URL;
    try {
      url = new URL(input instanceof Request ? input.url : String(input));
    } catch {
      throw new OutboundError('invalidUrl', '');
    }
    if (url.username || url.password) throw new OutboundError('invalidUrl', hostLabel(url));
    // Request normalises every body type (string, URLSearchParams, FormData, streams...) and its
    // content type; the body is buffered once so a 307/308 redirect can resend it.
    const normalized = new Request(input instanceof Request ? input : url, init);
    let method = normalized.method;
    let body: Buffer | undefined = normalized.body ? Buffer.from(await normalized.arrayBuffer()) : undefined;
    const headers = new Headers(normalized.headers);
    for (const h of DROPPED_REQUEST_HEADERS) headers.delete(h);
    if (!headers.has('user-agent')) headers.set('user-agent', 'OpenFoundry-Outbound');
    const redirectMode = normalized.redirect;

    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([deadline, init.signal]) : deadline;

    for (let hop = 0; ; hop++) {
      if (signal.aborted) throw deadline.aborted ? new OutboundError('timeout', hostLabel(url), { timeoutMs }) : signal.reason;
      const dest = await vetDestination(url, allowList, resolve);
      const agent = new Agent({
        connect: { lookup: pinnedLookup(dest), timeout: timeoutMs },
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        connections: 1,
        pipelining: 0,
      });
      try {
        let res: Awaited<ReturnType<typeof undiciRequest>>;
        try {
          res = await undiciRequest(url, {
            method,
            headers: Object.fromEntries(headers),
            body: body ?? null,
            dispatcher: agent,
            signal,
          });
        } catch (e) {
          if (deadline.aborted) throw new OutboundError('timeout', hostLabel(url), { timeoutMs });
          if (signal.aborted) throw signal.reason;
          if (e instanceof undiciErrors.HeadersTimeoutError || e instanceof undiciErrors.ConnectTimeoutError) {
            throw new OutboundError('timeout', hostLabel(url), { timeoutMs });
          }
          throw new OutboundError('connectionFailed', hostLabel(url));
        }

        const location = res.headers.location;
        if (REDIRECT_STATUSES.has(res.statusCode) && typeof location === 'string' && redirectMode !== 'manual') {
          discard(res.body);
          if (redirectMode === 'error') throw new OutboundError('tooManyRedirects', hostLabel(url), { maxRedirects: 0 });
          if (hop >= maxRedirects) throw new OutboundError('tooManyRedirects', hostLabel(url), { maxRedirects });
          let next: URL;
          try {
            next = new URL(location, url);
          } catch {
            throw new OutboundError('invalidUrl', hostLabel(url));
          }
          // As the fetch standard: 303 always, and 301/302 after a POST, continue as a body-less GET.
          if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')) {
            if (method !== 'HEAD') method = 'GET';
            body = undefined;
            headers.delete('content-type');
          }
          if (next.origin !== url.origin) for (const h of CREDENTIAL_HEADERS) headers.delete(h);
          url = next;
          continue;
        }

        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > maxBytes) {
          discard(res.body);
          throw new OutboundError('responseTooLarge', hostLabel(url), { maxBytes });
        }
        let buffer: Buffer;
        try {
          buffer = await readCapped(res.body, maxBytes, hostLabel(url));
        } catch (e) {
          if (e instanceof OutboundError) throw e;
          if (deadline.aborted) throw new OutboundError('timeout', hostLabel(url), { timeoutMs });
          if (signal.aborted) throw signal.reason;
          if (e instanceof undiciErrors.BodyTimeoutError) throw new OutboundError('timeout', hostLabel(url), { timeoutMs });
          throw new OutboundError('connectionFailed', hostLabel(url));
        }
        const response = new Response(NULL_BODY_STATUSES.has(res.statusCode) || method === 'HEAD' ? null : new Uint8Array(buffer), {
          status: res.statusCode,
          headers: toHeaders(res.headers),
        });
        // A constructed Response has an empty url; callers (and openid-client) may read it.
        Object.defineProperty(response, 'url', { value: url.href });
        Object.defineProperty(response, 'redirected', { value: hop > 0 });
        return response;
      } finally {
        await agent.destroy().catch(() => {});
      }
    }
  };
}
