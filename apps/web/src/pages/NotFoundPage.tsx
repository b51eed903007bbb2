import { Link } from 'react-router-dom';
import { NonIdealState } from '@blueprintjs/core';

export function NotFoundPage() {
  return <NonIdealState icon="search" title="Page not found" description="There is no page at this address." action={<Link to="/">Go home</Link>} />;
}
