import type { FastifyReply } from 'fastify';
import { SESSION_COOKIE } from '@openfoundry/http';

/** The browser session cookie: one definition for password sign-in, setup and SSO. */
export interface SessionCookieSettings {
  secureCookies: boolean;
  sessionTtlMs: number;
}

const attributes = (s: SessionCookieSettings) => ({ httpOnly: true, sameSite: 'lax' as const, path: '/', secure: s.secureCookies });

export function setSessionCookie(reply: FastifyReply, s: SessionCookieSettings, sessionSecret: string): FastifyReply {
  return reply.setCookie(SESSION_COOKIE, sessionSecret, { ...attributes(s), maxAge: Math.floor(s.sessionTtlMs / 1000) });
}

export function clearSessionCookie(reply: FastifyReply, s: SessionCookieSettings): FastifyReply {
  return reply.clearCookie(SESSION_COOKIE, attributes(s));
}
