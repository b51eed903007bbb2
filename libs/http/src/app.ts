import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { registerCookies } from './cookies.js';
import { lazyChildLoggerFactory } from './lazy-logger.js';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, jsonSchemaTransformObject, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { serializerCompiler } from './serializer.js';
import { Registry } from 'prom-client';
import { registerErrorHandling } from './errors.js';
import { authenticateRequest, requireAuthDeclarations } from './auth.js';
import { registerMetrics } from './metrics.js';
import { REDACT_PATHS, requestSerializer } from './logging.js';
import { staticSecurityHeaders } from './security-headers.js';
import type { Authenticator } from './context.js';

export type App = FastifyInstance<any, any, any, any, ZodTypeProvider>;

export interface HttpAppOptions {
  authenticator: Authenticator;
  /** pino level, or false for no logs. */
  logLevel: string | false;
  /** Where logs go (tests capture them to prove secrets stay out). */
  logStream?: NodeJS.WritableStream | undefined;
  bodyLimitBytes: number;
  trustProxy: boolean;
  version: string;
  /** Public base URL, shown in the OpenAPI document. */
  publicUrl: string;
}

const REQUEST_ID_RE = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * JSON API responses get OWASP's REST set instead of the document set: a CSP that allows
 * nothing (the body is never a page), no framing, no sniffing, HSTS, and no caching of what may
 * be sensitive data. Documents (the web app, the API reference) get helmet's full set.
 */
const API_SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

function isApiPath(url: string): boolean {
  return (url.startsWith('/api/v2/') || url.startsWith('/multipass/')) && !url.startsWith('/api/docs');
}

/**
 * The Fastify app every service mounts its routes on: Foundry error envelope, declared auth on
 * every route, CSRF on cookie writes, redacted structured logs with request ids, security
 * headers, metrics and the OpenAPI document generated from the route schemas.
 */
export async function createHttpApp(options: HttpAppOptions): Promise<{ app: App; metrics: Registry }> {
  const loggerOptions: FastifyServerOptions['logger'] =
    options.logLevel === false
      ? false
      : {
          level: options.logLevel,
          redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
          serializers: { req: requestSerializer as never },
          ...(options.logStream ? { stream: options.logStream } : {}),
        };
  const app = Fastify({
    logger: loggerOptions,
    bodyLimit: options.bodyLimitBytes,
    trustProxy: options.trustProxy,
    // genReqId reads X-Request-Id itself, so an unsafe value never reaches the logs.
    requestIdHeader: false,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID_RE.test(incoming) ? incoming : randomUUID();
    },
    return503OnClosing: true,
    // With logging off Fastify's own no-op logger is used as it is.
    ...(options.logLevel === false ? {} : { childLoggerFactory: lazyChildLoggerFactory as never }),
    routerOptions: { maxParamLength: 500 },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);

  // Foundry's clients send `Content-Type: application/json` on bodyless requests too (e.g.
  // `POST .../revokeAllTokens`, DELETE): an empty JSON body means "no body", not an error.
  const defaultJsonParser = app.getDefaultJsonParser('error', 'error');
  // The API speaks JSON: a text/plain body is refused as an unsupported media type rather than
  // handed to a JSON schema as a string. Routes that take other types add their own parser.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, undefined);
    defaultJsonParser(request, body as string, done);
  });

  app.decorateRequest('principal', undefined);
  app.decorateRequest('ctx', undefined as never);
  const securityHeaders = staticSecurityHeaders({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginEmbedderPolicy: false,
  });
  // One hook for what every request needs first: its context, the response's security headers
  // and request id, then authentication (before the body is read).
  // Callback style: with a cached principal the whole hook is synchronous.
  app.addHook('onRequest', (request, reply, done) => {
    request.ctx = { requestId: String(request.id), clientIp: request.ip, userAgent: request.headers['user-agent'] };
    reply.headers(isApiPath(request.url) ? API_SECURITY_HEADERS : securityHeaders);
    reply.header('x-request-id', request.id);
    let pending: void | Promise<void>;
    try {
      pending = authenticateRequest(request, options.authenticator);
    } catch (e) {
      done(e as Error);
      return;
    }
    if (pending) pending.then(() => done(), done);
    else done();
  });
  registerCookies(app);
  await app.register(rateLimit, { global: false });

  const metrics = new Registry();
  registerMetrics(app, metrics);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'OpenFoundry API',
        version: options.version,
        description: 'Foundry Platform API v2 compatible endpoints, plus OpenFoundry endpoints under the same conventions.',
      },
      servers: [{ url: options.publicUrl }],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'Personal access token or OAuth2 access token' },
          sessionCookie: { type: 'apiKey', in: 'cookie', name: 'of_session', description: 'Web app session; writes need the X-CSRF-Token header' },
        },
      },
      security: [{ bearerAuth: [] }, { sessionCookie: [] }],
    },
    transform: jsonSchemaTransform,
    // Puts the schemas named with `.meta({ id })` into components.schemas, which the `$ref`s
    // of the route schemas point at (without it the document has dangling references).
    transformObject: jsonSchemaTransformObject,
    hideUntagged: true,
  });
  await app.register(swaggerUi, {
    routePrefix: '/api/docs',
    staticCSP: true,
    uiConfig: { deepLinking: true },
  });

  // From here on every route must declare its guard (the reference page above is public).
  requireAuthDeclarations(app);
  return { app, metrics };
}

/**
 * Runs `fence` before answering every request to a route of `app` (a scope) that changes
 * something — not GET or HEAD — failed requests included: a cache kept coherent by database
 * notifications waits until its own changes reached it, so the client reads its writes.
 * Register it before the routes.
 */
export function fenceChanges(app: App, fence: () => Promise<void>): void {
  const hook = async (_request: unknown, _reply: unknown, payload: unknown) => {
    await fence();
    return payload;
  };
  app.addHook('onRoute', (route) => {
    const methods = ([] as string[]).concat(route.method);
    if (methods.some((m) => m !== 'GET' && m !== 'HEAD')) route.onSend = [...([] as unknown[]).concat(route.onSend ?? []), hook] as never;
  });
}
