import { useState } from 'react';
import { Button, Callout, InputGroup } from '@blueprintjs/core';

/** A secret shown exactly once (token, client secret), with a copy button. */
export function SecretReveal({ label, secret, testId }: { label: string; secret: string; testId?: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied(true);
    } catch {
      // Clipboard access needs a secure context; the field stays selectable.
      const el = document.getElementById('of-secret-value') as HTMLInputElement | null;
      el?.select();
    }
  };
  return (
    <div className="of-secret">
      <Callout intent="warning" icon="eye-open" title={`Copy the ${label} now`}>
        It is shown only this once. Store it somewhere safe; if it is lost, create a new one.
      </Callout>
      <InputGroup
        id="of-secret-value"
        className="of-mono"
        readOnly
        value={secret}
        onFocus={(e) => e.currentTarget.select()}
        data-testid={testId}
        rightElement={<Button icon={copied ? 'tick' : 'duplicate'} variant="minimal" text={copied ? 'Copied' : 'Copy'} onClick={() => void copy()} />}
      />
    </div>
  );
}
