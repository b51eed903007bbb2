import { createContext, useContext, type ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router-dom';
import { useQuery } from '@tanstack/react-query';
import { Button, NonIdealState, Spinner } from '@blueprintjs/core';
import { api, ok, isOpenFoundryError, type ResponseOf } from './api';
import { describeError } from './toaster';

export type Session = ResponseOf<'/api/v2/auth/session', 'get'>;

export const SESSION_KEY = ['session'] as const;

/** The signed-in session; sets the client's CSRF token as a side effect so writes carry it. */
export function useSessionQuery() {
  return useQuery({
    queryKey: SESSION_KEY,
    queryFn: async () => {
      const session = await ok(api.GET('/api/v2/auth/session'));
      api.setCsrfToken(session.csrfToken);
      return session;
    },
    retry: false,
    staleTime: 5 * 60_000,
    meta: { silent: true },
  });
}

const SessionContext = createContext<Session | null>(null);

/** The current session; only inside {@link RequireSession}. */
export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside RequireSession');
  return s;
}

/** Where to go after signing in: only paths of this app, never another origin. */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  return next;
}

/** Server endpoints (the OAuth authorize endpoint, SSO) a sign-in may return to: full page loads, not app routes. */
export function isServerPath(path: string): boolean {
  return path.startsWith('/multipass/') || path.startsWith('/api/');
}

export function loginPath(next: string): string {
  return next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`;
}

/** Renders its children with the session, or sends the user to the sign-in page. */
export function RequireSession({ children }: { children: ReactNode }) {
  const q = useSessionQuery();
  const location = useLocation();
  if (q.isPending) {
    return (
      <div className="of-fullscreen-center">
        <Spinner />
      </div>
    );
  }
  if (q.isError) {
    if (isOpenFoundryError(q.error) && q.error.status === 401) {
      return <Navigate to={loginPath(location.pathname + location.search)} replace />;
    }
    const { title, details } = describeError(q.error);
    return (
      <div className="of-fullscreen-center">
        <NonIdealState icon="offline" title="Cannot reach OpenFoundry" description={`${title}${details ? `: ${details}` : ''}`} action={<Button text="Retry" onClick={() => void q.refetch()} />} />
      </div>
    );
  }
  return <SessionContext.Provider value={q.data}>{children}</SessionContext.Provider>;
}
