import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { FoundryError, type ErrorCode, type ErrorEnvelope, ERROR_CODE_STATUS } from '@openfoundry/kernel';

function envelope(errorCode: ErrorCode, errorName: string, parameters: Record<string, unknown>, errorInstanceId = randomUUID()): ErrorEnvelope {
  return { errorCode, errorName, errorInstanceId, parameters };
}

function send(reply: FastifyReply, body: ErrorEnvelope, headers: Record<string, string> = {}) {
  reply.code(ERROR_CODE_STATUS[body.errorCode]).headers(headers).type('application/json').send(body);
}

/** Maps every error to the Foundry envelope. The one place statuses are decided. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof FoundryError) {
      const body = envelope(err.errorCode, err.errorName, err.parameters);
      if (err.errorCode === 'INTERNAL') request.log.error({ err, errorInstanceId: body.errorInstanceId }, 'internal error');
      return send(reply, body, err.headers);
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const issues = err.validation.map((v) => ({
        field: [err.validationContext, ...String(v.instancePath ?? '').split('/').filter(Boolean)].join('.'),
        message: v.message,
      }));
      // zod puts unknown keys in params.keys rather than in the path.
      for (const [i, v] of err.validation.entries()) {
        const params = v.params as { keys?: string[]; issue?: { keys?: string[] } } | undefined;
        const keys = params?.keys ?? params?.issue?.keys;
        if (keys?.length) issues[i]!.field = `${issues[i]!.field}.${keys.join(',')}`;
      }
      return send(reply, envelope('INVALID_ARGUMENT', 'InvalidArgument', { field: issues[0]?.field, issues }));
    }
    switch (err.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return send(reply, envelope('REQUEST_ENTITY_TOO_LARGE', 'RequestBodyTooLarge', { limitBytes: request.routeOptions.bodyLimit }));
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return send(reply, envelope('INVALID_ARGUMENT', 'MalformedRequestBody', { reason: err.message }));
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return send(reply, envelope('INVALID_ARGUMENT', 'UnsupportedMediaType', { contentType: request.headers['content-type'] ?? null }));
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return send(reply, envelope('INVALID_ARGUMENT', 'InvalidContentLength', {}));
    }
    if (err.statusCode === 429) {
      return send(reply, envelope('TOO_MANY_REQUESTS', 'RateLimitExceeded', {}), { 'retry-after': String(reply.getHeader('retry-after') ?? 60) });
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return send(reply, envelope('INVALID_ARGUMENT', 'InvalidRequest', { reason: err.message }));
    }
    const body = envelope('INTERNAL', 'Internal', {});
    request.log.error({ err, errorInstanceId: body.errorInstanceId }, 'unhandled error');
    return send(reply, body);
  });

  app.setNotFoundHandler((request, reply) => {
    send(reply, envelope('NOT_FOUND', 'RouteNotFound', { method: request.method, path: request.url.split('?')[0] }));
  });
}
