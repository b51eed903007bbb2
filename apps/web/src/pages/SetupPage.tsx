import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Button, Callout, FormGroup, InputGroup } from '@blueprintjs/core';
import { api, ok } from '../lib/api';
import { SESSION_KEY } from '../lib/session';
import { describeError } from '../lib/toaster';
import { AuthLayout } from '../components/AuthLayout';

/**
 * First run: the server prints a one-time setup link (`/setup?token=...`); this page creates the
 * organization and its first administrator, then signs them in.
 */
export function SetupPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [form, setForm] = useState({ organizationName: '', givenName: '', familyName: '', email: '', password: '', confirm: '' });
  const set = (k: keyof typeof form) => (v: string) => setForm((f) => ({ ...f, [k]: v }));
  const mismatch = form.confirm !== '' && form.password !== form.confirm;

  const setup = useMutation({
    meta: { silent: true },
    mutationFn: () =>
      ok(
        api.POST('/api/v2/auth/setup', {
          body: {
            token,
            organizationName: form.organizationName,
            givenName: form.givenName,
            familyName: form.familyName,
            email: form.email,
            password: form.password,
          },
        }),
      ),
    onSuccess: async (result) => {
      api.setCsrfToken(result.csrfToken);
      await queryClient.resetQueries({ queryKey: SESSION_KEY });
      navigate('/', { replace: true });
    },
  });

  if (!token) {
    return (
      <AuthLayout title="Set up OpenFoundry">
        <Callout intent="warning" icon="key" title="A setup link is needed">
          Open the one-time setup link the server printed when it started for the first time (<code>/setup?token=…</code>), or create the first
          administrator with <code>openfoundry admin create</code>.
        </Callout>
      </AuthLayout>
    );
  }

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (!mismatch) setup.mutate();
  };
  const error = setup.error ? describeError(setup.error) : undefined;

  return (
    <AuthLayout title="Set up OpenFoundry" subtitle="Create your organization and its first administrator." wide>
      <form onSubmit={onSubmit} className="of-form">
        {error ? (
          <Callout intent="danger" icon="error" title={error.title}>
            {error.title === 'SetupAlreadyCompleted' ? (
              <>
                This installation is already set up. <Link to="/login">Sign in</Link> instead.
              </>
            ) : (
              error.details
            )}
          </Callout>
        ) : null}
        <FormGroup label="Organization name" labelFor="setup-org">
          <InputGroup id="setup-org" required autoFocus value={form.organizationName} onValueChange={set('organizationName')} placeholder="Acme Corp" />
        </FormGroup>
        <div className="of-form-row">
          <FormGroup label="First name" labelFor="setup-given">
            <InputGroup id="setup-given" required autoComplete="given-name" value={form.givenName} onValueChange={set('givenName')} />
          </FormGroup>
          <FormGroup label="Last name" labelFor="setup-family">
            <InputGroup id="setup-family" required autoComplete="family-name" value={form.familyName} onValueChange={set('familyName')} />
          </FormGroup>
        </div>
        <FormGroup label="Email" labelFor="setup-email">
          <InputGroup id="setup-email" type="email" required autoComplete="username" value={form.email} onValueChange={set('email')} />
        </FormGroup>
        <FormGroup label="Password" labelFor="setup-password" helperText="At least 12 characters.">
          <InputGroup id="setup-password" type="password" required minLength={12} autoComplete="new-password" value={form.password} onValueChange={set('password')} />
        </FormGroup>
        <FormGroup label="Confirm password" labelFor="setup-confirm" intent={mismatch ? 'danger' : 'none'} helperText={mismatch ? 'The passwords differ.' : undefined}>
          <InputGroup id="setup-confirm" type="password" required autoComplete="new-password" intent={mismatch ? 'danger' : 'none'} value={form.confirm} onValueChange={set('confirm')} />
        </FormGroup>
        <Button type="submit" intent="primary" size="large" fill loading={setup.isPending} disabled={mismatch} text="Create organization" />
      </form>
    </AuthLayout>
  );
}
