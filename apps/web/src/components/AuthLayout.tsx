import type { ReactNode } from 'react';
import { Card, Elevation } from '@blueprintjs/core';

/** The centred card of the sign-in, setup and consent pages. */
export function AuthLayout({ title, subtitle, children, wide }: { title: string; subtitle?: ReactNode; children: ReactNode; wide?: boolean }) {
  return (
    <div className="of-auth-page">
      <Card elevation={Elevation.THREE} className={`of-auth-card${wide ? ' of-auth-card-wide' : ''}`}>
        <div className="of-auth-brand">
          <img src="/favicon.svg" alt="" width={32} height={32} />
          <span>OpenFoundry</span>
        </div>
        <h2 className="of-auth-title">{title}</h2>
        {subtitle ? <div className="of-auth-subtitle">{subtitle}</div> : null}
        {children}
      </Card>
    </div>
  );
}
