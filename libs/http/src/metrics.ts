import type { FastifyInstance } from 'fastify';
import { Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * A Prometheus registry per app instance (tests run several apps in one process). Request counts
 * are the histogram's own `http_request_duration_seconds_count` series.
 */
export function registerMetrics(app: FastifyInstance, registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status (its _count series counts requests)',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  // Labelled children looked up by route and status without building label objects or strings
  // per request (that showed in profiles of the hottest endpoints).
  const byRoute = new WeakMap<object, Map<string, Map<number, { observe(v: number): void }>>>();
  const unmatched = {};
  app.addHook('onResponse', (request, reply, done) => {
    const routeKey = (request.routeOptions.config as object | undefined) ?? unmatched;
    let byMethod = byRoute.get(routeKey);
    if (!byMethod) byRoute.set(routeKey, (byMethod = new Map()));
    let byStatus = byMethod.get(request.method);
    if (!byStatus) byMethod.set(request.method, (byStatus = new Map()));
    let child = byStatus.get(reply.statusCode);
    if (!child) {
      child = duration.labels({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) });
      byStatus.set(reply.statusCode, child);
    }
    child.observe(reply.elapsedTime / 1000);
    done();
  });
}
