import type { ReactNode } from 'react';
import { NonIdealState } from '@blueprintjs/core';
import { useSession } from '../lib/session';

/** Administration pages are for organization admins; the API enforces it, this only explains it. */
export function RequireAdmin({ children }: { children: ReactNode }) {
  const session = useSession();
  if (!session.user.organizationAdmin) {
    return <NonIdealState icon="lock" title="Administrators only" description="Ask an administrator of your organization for access." />;
  }
  return <>{children}</>;
}
