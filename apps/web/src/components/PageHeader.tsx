import type { ReactNode } from 'react';

/** Title row of a page: title (and optional breadcrumbs above it) on the left, actions on the right. */
export function PageHeader({ title, subtitle, breadcrumbs, actions }: { title: ReactNode; subtitle?: ReactNode; breadcrumbs?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="of-page-header">
      <div className="of-page-header-text">
        {breadcrumbs ? <div className="of-page-breadcrumbs">{breadcrumbs}</div> : null}
        <h1 className="of-page-title">{title}</h1>
        {subtitle ? <div className="of-page-subtitle">{subtitle}</div> : null}
      </div>
      {actions ? <div className="of-page-actions">{actions}</div> : null}
    </header>
  );
}
