import { existsSync, statSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { App } from '@openfoundry/http';

const API_PREFIXES = ['/api/', '/multipass/', '/health', '/ready', '/metrics'];

/**
 * Serves the built web app at `/`: files that exist are sent as they are (hashed assets cached for
 * good), every other non-API path gets index.html so client-side routes work. Returns false when
 * the app has not been built.
 */
export async function registerWebApp(app: App, webDir: string): Promise<boolean> {
  if (!existsSync(join(webDir, 'index.html'))) return false;
  // `serve: false`: only `reply.sendFile` (path-safe under `root`); the route below is ours so it
  // declares its guard like every other route.
  await app.register(fastifyStatic, { root: webDir, serve: false });

  app.get('/*', { config: { auth: { public: true } }, schema: { hide: true } }, async (request, reply) => {
    const path = decodeURIComponent(request.url.split('?')[0]!);
    if (API_PREFIXES.some((p) => path.startsWith(p))) return reply.callNotFound();
    const relative = normalize(path).replace(/^([/\\])+/, '');
    const file = join(webDir, relative);
    const isFile = relative !== '' && file.startsWith(webDir + sep) && existsSync(file) && statSync(file).isFile();
    if (isFile) {
      const immutable = relative.startsWith(`assets${sep}`);
      return reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache').sendFile(relative);
    }
    if (/\.[a-z0-9]+$/i.test(path)) return reply.callNotFound();
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  });
  return true;
}
