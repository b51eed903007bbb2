import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboundFetch, OutboundError, parseAllowList, vetDestination, type Resolver } from '../src/index.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

interface TestHttpServer {
  port: number;
  origin: string;
  seen: Seen[];
  close(): Promise<void>;
}

/** A real HTTP server on a loopback address that records what it received. */
async function startServer(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void, host = '127.0.0.1'): Promise<TestHttpServer> {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    origin: `http://${host}:${port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

async function failure(p: Promise<unknown>): Promise<OutboundError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof OutboundError) return e;
    throw e;
  }
  throw new Error('expected the request to be refused');
}

let target: TestHttpServer;
let other: TestHttpServer;

beforeAll(async () => {
  target = await startServer((req, res, body) => {
    const u = new URL(req.url!, 'http://x');
    switch (u.pathname) {
      case '/hello':
        res.setHeader('content-type', 'application/json');
        res.setHeader('x-extra', 'yes');
        res.end(JSON.stringify({ hello: 'world', method: req.method, body }));
        return;
      case '/redirect':
        res.writeHead(Number(u.searchParams.get('status') ?? 302), { location: u.searchParams.get('to')! });
        res.end('moving');
        return;
      case '/loop':
        res.writeHead(302, { location: '/loop' });
        res.end();
        return;
      case '/bytes': {
        const n = Number(u.searchParams.get('n'));
        if (u.searchParams.get('chunked')) {
          // No content-length: the cap must hold while streaming.
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          for (let i = 0; i < n; i += 1000) res.write(Buffer.alloc(Math.min(1000, n - i), 97));
          res.end();
        } else {
          res.writeHead(200, { 'content-length': String(n) });
          res.end(Buffer.alloc(n, 97));
        }
        return;
      }
      case '/hang':
        return; // never answers
      case '/drip': {
        res.writeHead(200, { 'content-type': 'text/plain' });
        const t = setInterval(() => res.write('x'), 50);
        res.on('close', () => clearInterval(t));
        return;
      }
      default:
        res.writeHead(404);
        res.end();
    }
  });
  other = await startServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ other: true, authorization: req.headers.authorization ?? null, cookie: req.headers.cookie ?? null }));
  });
});

afterAll(async () => {
  await target?.close();
  await other?.close();
});

const allowTarget = () => [`127.0.0.1:${target.port}`];

describe('policy without an allow-list', () => {
  const f = createOutboundFetch({ timeoutMs: 2000 });

  it('refuses loopback by address, before connecting', async () => {
    const before = target.seen.length;
    const e = await failure(f(`https://127.0.0.1:${target.port}/hello`));
    expect(e.failure).toBe('addressBlocked');
    expect(e.parameters).toMatchObject({ host: `127.0.0.1:${target.port}`, reason: 'addressBlocked', blockReason: 'loopback' });
    expect(e.errorName).toBe('OutboundUrlNotAllowed');
    expect(e.statusCode).toBe(400);
    expect(target.seen.length).toBe(before);
  });

  it('refuses names that resolve to loopback (real DNS: localhost)', async () => {
    const e = await failure(f(`https://localhost:${target.port}/hello`));
    expect(e.failure).toBe('addressBlocked');
    expect(e.parameters.blockReason).toBe('loopback');
  });

  it.each([
    ['http://127.0.0.1:1/', 'schemeNotAllowed'],
    ['ftp://example.test/', 'schemeNotAllowed'],
    ['file:///etc/passwd', 'schemeNotAllowed'],
    ['https://user:pass@example.test/', 'invalidUrl'],
    ['not a url', 'invalidUrl'],
    ['https://[::1]/', 'addressBlocked'],
    ['https://[::ffff:127.0.0.1]/', 'addressBlocked'],
    ['https://0x7f.1/', 'addressBlocked'],
    ['https://2130706433/', 'addressBlocked'],
    ['https://169.254.169.254/latest/meta-data/', 'addressBlocked'],
    ['https://[fd00:ec2::254]/', 'addressBlocked'],
  ])('refuses %s (%s)', async (url, reason) => {
    expect((await failure(f(url))).failure).toBe(reason);
  });

  it('refuses a name when any of its addresses is private, and never asks the network', async () => {
    const resolver: Resolver = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.5', family: 4 },
    ];
    const g = createOutboundFetch({ resolve: resolver });
    const e = await failure(g('https://mixed.example.test/'));
    expect(e.parameters.blockReason).toBe('private');
  });

  it('accepts a name whose addresses are all public and pins the first', async () => {
    const resolver: Resolver = async () => [
      { address: '2606:4700:4700::1111', family: 6 },
      { address: '1.1.1.1', family: 4 },
    ];
    const d = await vetDestination(new URL('https://public.example.test/x'), parseAllowList([]), resolver);
    expect(d).toMatchObject({ address: '2606:4700:4700::1111', family: 6, allowListed: false });
  });

  it('reports DNS failures', async () => {
    const g = createOutboundFetch({ resolve: async () => Promise.reject(new Error('ENOTFOUND')) });
    const e = await failure(g('https://nowhere.example.test/'));
    expect(e.failure).toBe('dnsFailure');
    expect(e.statusCode).toBe(412);
  });

  it('names only the host in errors, never the path or query (they can hold secrets)', async () => {
    const e = await failure(f('https://127.0.0.1/hook/s3cr3t-path?token=s3cr3t-query'));
    const shown = JSON.stringify({ message: e.message, parameters: e.parameters });
    expect(shown).not.toContain('s3cr3t');
  });
});

describe('allow-list', () => {
  it('opens the allow-listed host:port over plain http and returns a real Response', async () => {
    const f = createOutboundFetch({ allowHosts: allowTarget() });
    const res = await f(`${target.origin}/hello`, { method: 'POST', body: new URLSearchParams({ a: '1' }) });
    expect(res).toBeInstanceOf(Response);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-extra')).toBe('yes');
    expect(await res.json()).toEqual({ hello: 'world', method: 'POST', body: 'a=1' });
    expect(res.url).toBe(`${target.origin}/hello`);
    const last = target.seen.at(-1)!;
    expect(last.headers['content-type']).toBe('application/x-www-form-urlencoded;charset=UTF-8');
    expect(last.headers['accept-encoding']).toBeUndefined();
  });

  it('opens a host without a port on every port', async () => {
    const f = createOutboundFetch({ allowHosts: ['127.0.0.1'] });
    expect((await f(`${target.origin}/hello`)).status).toBe(200);
  });

  it('does not open other ports of an allow-listed host', async () => {
    const f = createOutboundFetch({ allowHosts: allowTarget() });
    const before = other.seen.length;
    expect((await failure(f(`${other.origin}/`))).failure).toBe('schemeNotAllowed');
    expect((await failure(f(`https://127.0.0.1:${other.port}/`))).failure).toBe('addressBlocked');
    expect(other.seen.length).toBe(before);
  });

  it('rejects malformed entries at creation', () => {
    expect(() => createOutboundFetch({ allowHosts: ['http://bad'] })).toThrow(/http:\/\/bad/);
  });
});

describe('redirects', () => {
  it('follows allowed hops and reports the final URL', async () => {
    const f = createOutboundFetch({ allowHosts: allowTarget() });
    const res = await f(`${target.origin}/redirect?to=${encodeURIComponent('/hello')}`);
    expect(res.status).toBe(200);
    expect(res.url).toBe(`${target.origin}/hello`);
    expect(res.redirected).toBe(true);
  });

  it('re-checks every hop: a redirect to a host that is not allow-listed is refused before connecting', async () => {
    const f = createOutboundFetch({ allowHosts: allowTarget() });
    const before = other.seen.length;
    for (const to of [`${other.origin}/`, `https://127.0.0.1:${other.port}/`, `https://localhost:${other.port}/`, 'https://169.254.169.254/latest/meta-data/']) {
      const e = await failure(f(`${target.origin}/redirect?to=${encodeURIComponent(to)}`));
      expect(['schemeNotAllowed', 'addressBlocked']).toContain(e.failure);
    }
    expect(other.seen.length).toBe(before);
  });

  it('stops after 5 redirects', async () => {
    const f = createOutboundFetch({ allowHosts: allowTarget() });
    const before = target.seen.filter((s) => s.url === '/loop').length;
    const e = await failure(f(`${target.origin}/loop`));
    expect(e.failure).toBe('tooManyRedirects');
    expect(e.parameters.maxRedirects).toBe(5);
    // The first request plus 5 followed redirects.
    expect(target.seen.filter((s) => s.url === '/loop').length - before).toBe(6);
  });

  it('turns a POST into a body-less GET on 303 and keeps method and body on 307', async () => {
    const f = createOutboundFetch({ allowHosts: allowTarget() });
    const r303 = await f(`${target.origin}/redirect?status=303&to=%2Fhello`, { method: 'POST', body: 'payload' });
    expect(await r303.json()).toMatchObject({ method: 'GET', body: '' });
    const r307 = await f(`${target.origin}/redirect?status=307&to=%2Fhello`, { method: 'POST', body: 'payload' });
    expect(await r307.json()).toMatchObject({ method: 'POST', body: 'payload' });
  });

  it('drops credentials when a redirect changes origin', async () => {
    const f = createOutboundFetch({ allowHosts: [...allowTarget(), `127.0.0.1:${other.port}`] });
    const res = await f(`${target.origin}/redirect?to=${encodeURIComponent(`${other.origin}/`)}`, {
      headers: { authorization: 'Bearer secret', cookie: 'a=b' },
    });
    expect(await res.json()).toEqual({ other: true, authorization: null, cookie: null });
  });

  it('returns the redirect itself when the caller asks for manual redirects', async () => {
    const f = createOutboundFetch({ allowHosts: allowTarget() });
    const res = await f(`${target.origin}/redirect?to=${encodeURIComponent('https://169.254.169.254/')}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://169.254.169.254/');
  });
});

describe('caps', () => {
  it('refuses a body larger than maxBytes, declared or streamed', async () => {
    const f = createOutboundFetch({ allowHosts: allowTarget(), maxBytes: 5000 });
    expect((await failure(f(`${target.origin}/bytes?n=5001`))).failure).toBe('responseTooLarge');
    expect((await failure(f(`${target.origin}/bytes?n=20000&chunked=1`))).failure).toBe('responseTooLarge');
    expect((await (await f(`${target.origin}/bytes?n=5000&chunked=1`)).arrayBuffer()).byteLength).toBe(5000);
  });

  it('caps the total time: no answer, and a body that never ends', async () => {
    const f = createOutboundFetch({ allowHosts: allowTarget(), timeoutMs: 400 });
    for (const path of ['/hang', '/drip']) {
      const started = Date.now();
      const e = await failure(f(`${target.origin}${path}`));
      expect(e.failure).toBe('timeout');
      expect(e.statusCode).toBe(504);
      expect(Date.now() - started).toBeLessThan(3000);
    }
  });

  it("propagates the caller's own abort", async () => {
    const f = createOutboundFetch({ allowHosts: allowTarget(), timeoutMs: 5000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('caller gave up')), 100);
    await expect(f(`${target.origin}/hang`, { signal: controller.signal })).rejects.toThrow('caller gave up');
  });
});

describe('DNS pinning', () => {
  it('connects to the vetted address even when the name later resolves elsewhere', async () => {
    let calls = 0;
    // A rebinding DNS server: the first answer passes the check, later ones point elsewhere
    // (127.0.0.2, where nothing listens). The system resolver does not know this name at all.
    const resolver: Resolver = async () => (calls++ === 0 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '127.0.0.2', family: 4 }]);
    const f = createOutboundFetch({ allowHosts: [`rebind.example.test:${target.port}`], resolve: resolver });
    const res = await f(`http://rebind.example.test:${target.port}/hello`);
    expect(await res.json()).toMatchObject({ hello: 'world' });
    expect(calls).toBe(1);
    expect(target.seen.at(-1)!.headers.host).toBe(`rebind.example.test:${target.port}`);
  });
});
