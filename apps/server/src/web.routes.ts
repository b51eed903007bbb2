import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { App } from '@openfoundry/http';

const API_PREFIXES = ['/api/', '/multipass/', '/health', '/ready', '/metrics'];

/**
 * Serves the built web app at `/`, with client-side routes falling back to index.html. Returns
 * false when the app has not been built.
 */
export async function registerWebApp(app: App, webDir: string): Promise<boolean> {
  if (!existsSync(join(webDir, 'index.html'))) return false;
  await app.register(fastifyStatic, {
    root: webDir,
    wildcard: false,
    index: 'index.html',
    // Hashed asset names can be cached for good; index.html must always be revalidated.
    setHeaders: (res: { setHeader(k: string, v: string): void }, path: string) => {
      res.setHeader('cache-control', path.endsWith('index.html') ? 'no-cache' : 'public, max-age=31536000, immutable');
    },
    routeConfig: { auth: { public: true } },
  } as never);
  app.get('/*', { config: { auth: { public: true } }, schema: { hide: true } }, async (request, reply) => {
    const path = request.url.split('?')[0]!;
    if (API_PREFIXES.some((p) => path.startsWith(p)) || /\.[a-z0-9]+$/i.test(path)) {
      return reply.callNotFound();
    }
    reply.header('cache-control', 'no-cache');
    return reply.sendFile('index.html');
  });
  return true;
}
