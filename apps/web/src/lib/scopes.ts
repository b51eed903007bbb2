import type { BodyOf } from './api';

export type TokenScope = NonNullable<BodyOf<'/api/v2/auth/tokens', 'post'>['scopes']>[number];

/** The API scopes a token or OAuth client can hold, with what they allow. */
export const API_SCOPES: { id: TokenScope; label: string }[] = [
  { id: 'api:filesystem-read', label: 'Read projects, folders and resources' },
  { id: 'api:filesystem-write', label: 'Create, change and share projects, folders and resources' },
  { id: 'api:datasets-read', label: 'Read datasets: files, tables, schemas and history' },
  { id: 'api:datasets-write', label: 'Create datasets and write to them' },
  { id: 'api:sql-queries-execute', label: 'Run SQL queries over readable datasets' },
  { id: 'api:sql-queries-read', label: 'Read SQL query status and results' },
  { id: 'api:admin-read', label: 'Read users and groups' },
  { id: 'api:admin-write', label: 'Manage users, groups and OAuth clients' },
  { id: 'api:audit-read', label: 'Read the audit log (administrators)' },
];
