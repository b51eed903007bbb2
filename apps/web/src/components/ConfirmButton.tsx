import { useState, type ReactNode } from 'react';
import { Alert, Button, type IconName, type Intent, type Size } from '@blueprintjs/core';

/** A button that asks before doing something that cannot be undone. */
export function ConfirmButton({
  text,
  icon,
  confirm,
  confirmText,
  intent = 'danger',
  variant,
  size,
  loading,
  onConfirm,
}: {
  text: string;
  icon?: IconName;
  confirm: ReactNode;
  confirmText: string;
  intent?: Intent;
  variant?: 'minimal' | 'outlined' | 'solid';
  size?: Size;
  loading?: boolean;
  onConfirm: () => void;
}) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button text={text} icon={icon} variant={variant} size={size} intent={variant === 'minimal' ? intent : undefined} loading={loading} onClick={() => setOpen(true)} />
      <Alert
        isOpen={open}
        icon={icon ?? 'warning-sign'}
        intent={intent}
        cancelButtonText="Cancel"
        confirmButtonText={confirmText}
        canEscapeKeyCancel
        canOutsideClickCancel
        onCancel={() => setOpen(false)}
        onConfirm={() => {
          setOpen(false);
          onConfirm();
        }}
      >
        {confirm}
      </Alert>
    </>
  );
}
