import { useState, type FormEvent } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { AnchorButton, Button, Callout, Divider, FormGroup, InputGroup, Spinner } from '@blueprintjs/core';
import { api, ok } from '../lib/api';
import { SESSION_KEY, isServerPath, safeNext, useSessionQuery } from '../lib/session';
import { describeError } from '../lib/toaster';
import { AuthLayout } from '../components/AuthLayout';

function SsoButtons({ next }: { next: string }) {
  const providers = useQuery({
    queryKey: ['sso-providers'],
    queryFn: () => ok(api.GET('/api/v2/auth/sso/providers')),
    meta: { silent: true },
    retry: false,
  });
  const list = providers.data?.data ?? [];
  if (!list.length) return null;
  return (
    <>
      <div className="of-auth-or">
        <Divider />
        <span>or</span>
        <Divider />
      </div>
      <div className="of-sso-buttons">
        {list.map((p) => (
          <AnchorButton key={p.id} icon="log-in" fill size="large" href={`${p.loginUrl}${p.loginUrl.includes('?') ? '&' : '?'}next=${encodeURIComponent(next)}`} text={`Continue with ${p.name}`} />
        ))}
      </div>
    </>
  );
}

/** Email and password sign-in, plus the organization's SSO providers; `?next=` is where to go after. */
export function LoginPage() {
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const session = useSessionQuery();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const ssoError = params.get('ssoError');

  const login = useMutation({
    meta: { silent: true },
    mutationFn: () => ok(api.POST('/api/v2/auth/login', { body: { email, password } })),
    onSuccess: async (result) => {
      api.setCsrfToken(result.csrfToken);
      // Back to a server endpoint (OAuth authorize): a real navigation, not an app route.
      if (isServerPath(next)) return window.location.assign(next);
      await queryClient.resetQueries({ queryKey: SESSION_KEY });
      navigate(next, { replace: true });
    },
  });

  if (session.isSuccess && !login.isPending && !login.isSuccess) {
    if (isServerPath(next)) {
      window.location.replace(next);
      return null;
    }
    return <Navigate to={next} replace />;
  }
  if (session.isPending) {
    return (
      <div className="of-fullscreen-center">
        <Spinner />
      </div>
    );
  }

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    login.mutate();
  };
  const error = login.error ? describeError(login.error) : undefined;

  return (
    <AuthLayout title="Sign in" subtitle="Use your organization account.">
      <form onSubmit={onSubmit} className="of-form">
        {error ? (
          <Callout intent="danger" icon="error" title={error.title === 'InvalidCredentials' ? 'Wrong email or password' : error.title} data-testid="login-error">
            {error.title === 'InvalidCredentials' ? null : error.details}
          </Callout>
        ) : null}
        {ssoError ? (
          <Callout intent="danger" icon="error" title="Single sign-on failed" data-testid="sso-error">
            {ssoError}
          </Callout>
        ) : null}
        <FormGroup label="Email" labelFor="login-email">
          <InputGroup id="login-email" name="email" type="email" autoComplete="username" size="large" autoFocus required value={email} onValueChange={setEmail} />
        </FormGroup>
        <FormGroup label="Password" labelFor="login-password">
          <InputGroup id="login-password" name="password" type="password" autoComplete="current-password" size="large" required value={password} onValueChange={setPassword} />
        </FormGroup>
        <Button type="submit" intent="primary" size="large" fill loading={login.isPending} text="Sign in" data-testid="login-submit" />
      </form>
      <SsoButtons next={next} />
    </AuthLayout>
  );
}
