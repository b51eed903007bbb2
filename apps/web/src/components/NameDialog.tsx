import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { Button, Dialog, DialogBody, DialogFooter, FormGroup, InputGroup, type IconName } from '@blueprintjs/core';

/** A one-field dialog: new folder, rename. */
export function NameDialog({
  isOpen,
  title,
  icon,
  label = 'Name',
  initial = '',
  submitText,
  loading,
  onSubmit,
  onClose,
  children,
}: {
  isOpen: boolean;
  title: string;
  icon: IconName;
  label?: string;
  initial?: string;
  submitText: string;
  loading: boolean;
  onSubmit: (name: string) => void;
  onClose: () => void;
  children?: ReactNode;
}) {
  const [name, setName] = useState(initial);
  useEffect(() => {
    if (isOpen) setName(initial);
  }, [isOpen, initial]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (name.trim()) onSubmit(name.trim());
  };
  return (
    <Dialog isOpen={isOpen} onClose={onClose} title={title} icon={icon}>
      <form onSubmit={submit}>
        <DialogBody>
          <FormGroup label={label} labelFor="name-dialog-input">
            <InputGroup id="name-dialog-input" required autoFocus maxLength={255} value={name} onValueChange={setName} onFocus={(e) => e.currentTarget.select()} />
          </FormGroup>
          {children}
        </DialogBody>
        <DialogFooter
          actions={
            <>
              <Button text="Cancel" onClick={onClose} />
              <Button type="submit" intent="primary" text={submitText} loading={loading} disabled={!name.trim() || name.trim() === initial} />
            </>
          }
        />
      </form>
    </Dialog>
  );
}
