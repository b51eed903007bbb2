import { useCallback } from 'react';
import { Intent, OverlayToaster, Position, type Toaster } from '@blueprintjs/core';
import { isOpenFoundryError } from '@openfoundry/sdk';

let toaster: Toaster | null = null;

/** Mounted once at the root; the toasts of the whole app go through it. */
export function AppToaster() {
  const ref = useCallback((t: OverlayToaster | null) => {
    toaster = t;
  }, []);
  return <OverlayToaster ref={ref} position={Position.BOTTOM_RIGHT} maxToasts={5} />;
}

/** Formats an API error as its errorName and parameters, the way Foundry users read them. */
export function describeError(e: unknown): { title: string; details: string | undefined; instance: string | undefined } {
  if (isOpenFoundryError(e)) {
    const params = Object.entries(e.parameters);
    return {
      title: e.errorName,
      details: params.length ? params.map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ') : undefined,
      instance: e.errorInstanceId || undefined,
    };
  }
  if (e instanceof Error) return { title: e.name === 'TypeError' ? 'NetworkError' : e.name, details: e.message, instance: undefined };
  return { title: 'Error', details: String(e), instance: undefined };
}

export function showError(e: unknown, action?: string): void {
  const { title, details, instance } = describeError(e);
  toaster?.show({
    intent: Intent.DANGER,
    icon: 'error',
    timeout: 8000,
    message: (
      <div className="of-toast-error" data-testid="error-toast">
        <strong>{action ? `${action}: ` : ''}{title}</strong>
        {details ? <div className="of-toast-details">{details}</div> : null}
        {instance ? <div className="of-toast-instance">Error id {instance}</div> : null}
      </div>
    ),
  });
}

export function showSuccess(message: string): void {
  toaster?.show({ intent: Intent.SUCCESS, icon: 'tick', message, timeout: 3000 });
}
