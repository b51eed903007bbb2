import { DatasetsErrors } from './datasets.errors.js';

/** Foundry's default branch name. */
export const DEFAULT_BRANCH = 'master';

const BRANCH_RE = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;

/** Branch names: letters, digits, `._/-`, starting with a letter or digit, no empty or `..` segment. */
export function validateBranchName(name: string): string {
  const problem =
    name.length === 0 || name.length > 255
      ? 'must be 1 to 255 characters'
      : !BRANCH_RE.test(name)
        ? 'may contain only letters, digits and . _ / -, starting with a letter or digit'
        : name.split('/').some((s) => s === '' || s === '.' || s === '..')
          ? 'must not contain empty, . or .. segments'
          : undefined;
  if (problem) throw DatasetsErrors.invalidBranchName(name, problem);
  return name;
}

/**
 * File paths inside a dataset: relative, `/`-separated, no empty, `.` or `..` segment, no
 * backslash or control character. They are names in the database only (blobs are stored under
 * generated keys), but they appear in downloads and in SQL, so they are kept clean.
 */
export function validateFilePath(path: string): string {
  const p = path.normalize('NFC');
  const problem =
    p.length === 0 || p.length > 1024
      ? 'must be 1 to 1024 characters'
      : p.startsWith('/')
        ? 'must be relative (no leading /)'
        : /[\u0000-\u001f\u007f-\u009f\\]/.test(p)
          ? 'must not contain control characters or \\'
          : p.split('/').some((s) => s === '' || s === '.' || s === '..')
            ? 'must not contain empty, . or .. segments'
            : undefined;
  if (problem) throw DatasetsErrors.invalidFilePath(path, problem);
  return p;
}
