import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Callout, Icon, Spinner, Tag } from '@blueprintjs/core';
import { ConfirmAlert } from '../../components/ConfirmButton';
import { applyDocument, breakingOf, invalidateOntology, problemsOf, type ApplyOptions, type ApplyResult, type OntologyDocument, type BreakingChange, type PlanChange, type Problem } from '../../lib/ontology';
import { describeError, showError, showSuccess } from '../../lib/toaster';

const ACTION_INTENT = { create: 'success', update: 'primary', delete: 'danger', unchanged: 'none' } as const;
const KIND_LABEL = { objectType: 'object type', linkType: 'link type', interfaceType: 'interface' } as const;

/** The plan of an apply: each type's action, its field-level changes, what would break. */
export function PlanView({ changes, hideUnchanged = false }: { changes: PlanChange[]; hideUnchanged?: boolean }) {
  const shown = hideUnchanged ? changes.filter((c) => c.action !== 'unchanged') : changes;
  if (shown.length === 0) return <div className="of-muted" data-testid="plan-empty">No changes: the ontology already matches.</div>;
  return (
    <ul className="of-plan" data-testid="plan">
      {shown.map((c) => (
        <li key={`${c.kind}:${c.apiName}`} data-testid="plan-change">
          <Tag minimal intent={ACTION_INTENT[c.action]}>
            {c.action}
          </Tag>{' '}
          <span className="of-muted">{KIND_LABEL[c.kind]}</span> <strong className="of-mono">{c.apiName}</strong>
          {c.changes.length ? (
            <ul className="of-plan-lines">
              {c.changes.map((line) => (
                <li key={line} className="of-mono-small">
                  {line}
                </li>
              ))}
            </ul>
          ) : null}
          {c.breaking.length ? (
            <ul className="of-plan-lines of-plan-breaking" data-testid="plan-breaking">
              {c.breaking.map((line) => (
                <li key={line}>
                  <Icon icon="warning-sign" intent="danger" size={12} /> {line}
                </li>
              ))}
            </ul>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

/** The problems of a refused document, each with the path of what is wrong. */
export function ProblemList({ problems, pathPrefix = '' }: { problems: Problem[]; pathPrefix?: string }) {
  return (
    <Callout intent="danger" icon="error" title={problems.length === 1 ? '1 problem' : `${problems.length} problems`} data-testid="problems">
      <ul className="of-problems">
        {problems.map((p, i) => (
          <li key={i} data-testid="problem">
            <span className="of-mono-small">{pathPrefix && p.path.startsWith(pathPrefix) ? p.path.slice(pathPrefix.length).replace(/^\./, '') || p.path : p.path}</span>: {p.problem}
          </li>
        ))}
      </ul>
    </Callout>
  );
}

/** What a dry run of the draft says: checking, its problems, or its plan. */
export function DryRunStatus({ check, hideUnchanged, pathPrefix }: { check: { isFetching: boolean; isError: boolean; error: unknown; data?: { plan?: ApplyResult; problems?: Problem[] } | undefined }; hideUnchanged?: boolean; pathPrefix?: string }) {
  return (
    <div className="of-dry-run" data-testid="dry-run">
      <div className="of-dry-run-title">
        {check.isFetching ? <Spinner size={14} /> : <Icon icon={check.data?.problems?.length || check.isError ? 'error' : 'tick-circle'} intent={check.data?.problems?.length || check.isError ? 'danger' : 'success'} />}
        <span>{check.isFetching ? 'Checking…' : check.data?.problems?.length ? 'The definition has problems' : check.isError ? 'Cannot check the definition' : check.data?.plan ? 'Valid. On save:' : 'Checked as you type'}</span>
      </div>
      {check.isError ? <div className="of-muted">{describeError(check.error).title}</div> : null}
      {check.data?.problems?.length ? <ProblemList problems={check.data.problems} {...(pathPrefix !== undefined ? { pathPrefix } : {})} /> : null}
      {check.data?.plan ? <PlanView changes={check.data.plan.changes} hideUnchanged={hideUnchanged ?? true} /> : null}
    </div>
  );
}

/**
 * Applies a document; a refusal for breaking changes asks first (listing them) and applies again
 * with `allowBreakingChanges` once confirmed. Problems are answered to `onProblems`.
 */
export function useApplyFlow(ontology: string, { onApplied, onProblems }: { onApplied: (r: ApplyResult) => void; onProblems?: (p: Problem[]) => void }) {
  const queryClient = useQueryClient();
  const [pending, setPending] = useState<{ doc: OntologyDocument; options: ApplyOptions; breaking: BreakingChange[] } | undefined>();
  const mutation = useMutation({
    meta: { silent: true },
    mutationFn: ({ doc, options }: { doc: OntologyDocument; options: ApplyOptions }) => applyDocument(ontology, doc, options),
    onSuccess: (r) => {
      const changed = r.changes.filter((c) => c.action !== 'unchanged');
      showSuccess(changed.length ? `Applied: ${changed.map((c) => `${c.action} ${c.apiName}`).join(', ')}` : 'No changes to apply');
      void invalidateOntology(queryClient, ontology);
      onApplied(r);
    },
    onError: (e, vars) => {
      const breaking = breakingOf(e);
      if (breaking) return setPending({ ...vars, breaking });
      const problems = problemsOf(e);
      if (problems && onProblems) return onProblems(problems);
      showError(e, 'Apply');
    },
  });
  const dialog = (
    <ConfirmAlert
      isOpen={!!pending}
      confirmText="Apply breaking changes"
      onCancel={() => setPending(undefined)}
      onConfirm={() => {
        const p = pending!;
        setPending(undefined);
        mutation.mutate({ doc: p.doc, options: { ...p.options, allowBreakingChanges: true } });
      }}
    >
      <p>These changes would break existing objects, links or clients:</p>
      <ul className="of-plan" data-testid="breaking-changes">
        {(pending?.breaking ?? []).map((c) => (
          <li key={`${c.kind}:${c.apiName}`}>
            <span className="of-muted">{KIND_LABEL[c.kind]}</span> <strong className="of-mono">{c.apiName}</strong>
            <ul className="of-plan-lines of-plan-breaking">
              {c.breaking.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
    </ConfirmAlert>
  );
  return { apply: (doc: OntologyDocument, options: ApplyOptions = {}) => mutation.mutate({ doc, options }), isPending: mutation.isPending, dialog };
}
