import { useState, type ReactNode } from 'react';
import { Alert, Button, type IconName, type Intent, type Size } from '@blueprintjs/core';

/** The question asked before something that cannot be undone: Cancel, or the confirming button. */
export function ConfirmAlert({
  isOpen,
  icon = 'warning-sign',
  intent = 'danger',
  confirmText,
  canOutsideClickCancel,
  onCancel,
  onConfirm,
  children,
}: {
  isOpen: boolean;
  icon?: IconName;
  intent?: Intent;
  confirmText: string;
  canOutsideClickCancel?: boolean;
  onCancel: () => void;
  onConfirm: () => void;
  children: ReactNode;
}) {
  return (
    <Alert
      isOpen={isOpen}
      icon={icon}
      intent={intent}
      cancelButtonText="Cancel"
      confirmButtonText={confirmText}
      canEscapeKeyCancel
      canOutsideClickCancel={canOutsideClickCancel}
      onCancel={onCancel}
      onConfirm={onConfirm}
    >
      {children}
    </Alert>
  );
}

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
      <ConfirmAlert
        isOpen={open}
        icon={icon}
        intent={intent}
        confirmText={confirmText}
        canOutsideClickCancel
        onCancel={() => setOpen(false)}
        onConfirm={() => {
          setOpen(false);
          onConfirm();
        }}
      >
        {confirm}
      </ConfirmAlert>
    </>
  );
}
