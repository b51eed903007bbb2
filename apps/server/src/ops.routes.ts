import type { App } from '@openfoundry/http';
import type { Database, MigrationSet } from '@openfoundry/db';
import { pendingMigrations } from '@openfoundry/db';
import type { Registry } from 'prom-client';
import { z } from 'zod';

/** Liveness, readiness, metrics and the OpenAPI document. */
export function registerOpsRoutes(app: App, deps: { database: Database; migrations: MigrationSet[]; metrics: Registry }): void {
  app.get('/health', { config: { auth: { public: true } } }, async () => ({ status: 'ok' }));

  app.get('/ready', { config: { auth: { public: true } } }, async (_request, reply) => {
    try {
      await deps.database.ping();
      const pending = await pendingMigrations(deps.database.db, deps.migrations);
      if (pending.length) return reply.code(503).send({ status: 'not-ready', reason: 'migrations pending', pending });
      return { status: 'ready' };
    } catch {
      return reply.code(503).send({ status: 'not-ready', reason: 'database unreachable' });
    }
  });

  app.get('/metrics', { config: { auth: { public: true } } }, async (_request, reply) => {
    reply.type(deps.metrics.contentType);
    return deps.metrics.metrics();
  });

  app.get(
    '/api/openapi.json',
    { config: { auth: { public: true } }, schema: { hide: true, response: { 200: z.any() } } },
    async () => app.swagger(),
  );
}
