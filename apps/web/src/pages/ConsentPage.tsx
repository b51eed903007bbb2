import { useMutation, useQuery } from '@tanstack/react-query';
import { Button, Callout, Icon, Spinner } from '@blueprintjs/core';
import { api, ok } from '../lib/api';
import { displayNameOf } from '../lib/format';
import { useSession } from '../lib/session';
import { API_SCOPES } from '../lib/scopes';
import { describeError } from '../lib/toaster';
import { AuthLayout } from '../components/AuthLayout';

const SCOPE_LABELS: Record<string, string> = {
  ...Object.fromEntries(API_SCOPES.map((s) => [s.id, s.label])),
  offline_access: 'Stay connected when you are not using it (refresh tokens)',
};

/** The authorization request, exactly as the client sent it to the authorize endpoint. */
function authorizeQuery(): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(window.location.search));
}

/**
 * OAuth 2.0 consent: the authorize endpoint sends the user here; the page shows which
 * application asks for what, and the server answers Approve or Deny with where to go next.
 */
export function ConsentPage() {
  const session = useSession();
  const query = authorizeQuery();
  const consent = useQuery({
    queryKey: ['oauth-consent', window.location.search],
    queryFn: () => ok(api.GET('/api/v2/auth/oauth/consent', { params: { query } })),
    retry: false,
    meta: { silent: true },
  });
  const decide = useMutation({
    meta: { action: 'Consent' },
    mutationFn: (approve: boolean) =>
      ok(
        api.POST('/api/v2/auth/oauth/consent', {
          body: {
            clientId: query.client_id ?? '',
            redirectUri: query.redirect_uri ?? '',
            scope: query.scope ?? '',
            state: query.state ?? '',
            responseType: 'code',
            ...(query.code_challenge ? { codeChallenge: query.code_challenge } : {}),
            ...(query.code_challenge_method ? { codeChallengeMethod: query.code_challenge_method } : {}),
            approve,
          },
        }),
      ),
    onSuccess: (r) => window.location.assign(r.redirectUrl),
  });

  if (consent.isPending) {
    return (
      <AuthLayout title="Authorize application">
        <Spinner />
      </AuthLayout>
    );
  }
  if (consent.isError) {
    const { title, details } = describeError(consent.error);
    return (
      <AuthLayout title="Authorization request refused">
        <Callout intent="danger" icon="error" title={title}>
          {details ?? 'The request is not valid. Return to the application and try again.'}
        </Callout>
      </AuthLayout>
    );
  }
  const c = consent.data;
  return (
    <AuthLayout title={`${c.client.name} wants to use your account`} subtitle={`Signed in as ${displayNameOf(session.user)} (${session.organization.name})`} wide>
      <p>If you allow it, this application can:</p>
      <ul className="of-scope-list" data-testid="consent-scopes">
        {c.scopes.map((s) => (
          <li key={s.scope}>
            <Icon icon="tick-circle" intent="success" />
            <div>
              <div>{s.description || SCOPE_LABELS[s.scope] || s.scope}</div>
              <code className="of-muted">{s.scope}</code>
            </div>
          </li>
        ))}
      </ul>
      <p className="of-muted">
        It will be sent back to <code>{new URL(c.redirectUri).origin}</code>. It can never do more than you can yourself.
      </p>
      <div className="of-consent-actions">
        <Button text="Deny" size="large" loading={decide.isPending && decide.variables === false} disabled={decide.isPending} onClick={() => decide.mutate(false)} />
        <Button intent="primary" size="large" text="Allow" loading={decide.isPending && decide.variables === true} disabled={decide.isPending} onClick={() => decide.mutate(true)} />
      </div>
    </AuthLayout>
  );
}
