import { parse, serialize, type SerializeOptions } from 'cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's cookies, parsed on first access. */
    readonly cookies: Record<string, string | undefined>;
  }
  interface FastifyReply {
    setCookie(name: string, value: string, options: SerializeOptions): FastifyReply;
    clearCookie(name: string, options: SerializeOptions): FastifyReply;
  }
}

const kCookies = Symbol('openfoundry.cookies');

/**
 * Cookies parsed on demand. (@fastify/cookie parses every request in a hook; API calls with a
 * bearer token never read a cookie, and that hook was a measurable share of their cost.)
 * Set-Cookie headers accumulate: Fastify appends repeated `set-cookie` values.
 */
export function registerCookies(app: FastifyInstance): void {
  app.decorateRequest('cookies', {
    getter(this: FastifyRequest & { [kCookies]?: Record<string, string | undefined> }) {
      const header = this.headers.cookie;
      return (this[kCookies] ??= header ? parse(header) : {});
    },
  });
  app.decorateReply('setCookie', function (this: FastifyReply, name: string, value: string, options: SerializeOptions) {
    return this.header('set-cookie', serialize(name, value, options));
  });
  app.decorateReply('clearCookie', function (this: FastifyReply, name: string, options: SerializeOptions) {
    return this.header('set-cookie', serialize(name, '', { ...options, maxAge: 0, expires: new Date(0) }));
  });
}
