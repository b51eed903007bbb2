import { InvalidArgumentError } from '@openfoundry/kernel';

/** A dataset named in a query: its path or RID, optionally at a branch or a transaction. */
export interface TableReference {
  /** The identifier exactly as written between the quotes: the name the query uses. */
  name: string;
  /** A dataset path (`/Space/Project/name`) or RID. */
  target: string;
  branch?: string;
  transactionRid?: string;
}

const DATASET_RID_RE = /^ri\.foundry\.main\.dataset\.[A-Za-z0-9_.-]+$/;
const TRANSACTION_RID_RE = /^ri\.foundry\.main\.transaction\.[A-Za-z0-9_.-]+$/;

/** Whether a quoted identifier names a dataset (a path or a dataset RID) rather than a column or alias. */
function isDatasetTarget(s: string): boolean {
  return s.startsWith('/') || DATASET_RID_RE.test(s);
}

/**
 * The candidate readings of an identifier: the whole text, then (when it contains `@`) the text
 * before the last `@` at the branch or transaction after it. The caller tries them in order, so a
 * dataset whose name contains `@` is still found.
 */
export function readingsOf(name: string): TableReference[] {
  const readings: TableReference[] = [];
  if (isDatasetTarget(name)) readings.push({ name, target: name });
  const at = name.lastIndexOf('@');
  if (at > 0) {
    const target = name.slice(0, at);
    const version = name.slice(at + 1);
    if (isDatasetTarget(target) && version.length > 0) {
      readings.push(TRANSACTION_RID_RE.test(version) ? { name, target, transactionRid: version } : { name, target, branch: version });
    }
  }
  return readings;
}

/** A query with its dataset identifiers found, and backticks turned into DuckDB's double quotes. */
export interface ScannedQuery {
  sql: string;
  /** Distinct quoted identifiers that look like datasets, in order of appearance. */
  identifiers: string[];
}

/**
 * Scans SQL text for quoted identifiers (`"..."` with `""` escapes, and Foundry/Spark-style
 * `` `...` ``), skipping string literals, dollar-quoted strings and comments. Only identifiers that
 * read as a dataset path or RID are returned; they become views of exactly that name in the
 * sandbox. Backtick identifiers are rewritten as double-quoted ones.
 */
export function scanQuery(sql: string): ScannedQuery {
  const identifiers: string[] = [];
  const seen = new Set<string>();
  let out = '';
  let i = 0;
  const n = sql.length;
  const take = (from: number, to: number) => {
    out += sql.slice(from, to);
    i = to;
  };
  while (i < n) {
    const c = sql[i]!;
    if (c === "'") {
      let j = i + 1;
      while (j < n && !(sql[j] === "'" && sql[j + 1] !== "'")) j += sql[j] === "'" ? 2 : 1;
      take(i, Math.min(j + 1, n));
    } else if (c === '-' && sql[i + 1] === '-') {
      const j = sql.indexOf('\n', i);
      take(i, j === -1 ? n : j);
    } else if (c === '/' && sql[i + 1] === '*') {
      const j = sql.indexOf('*/', i + 2);
      take(i, j === -1 ? n : j + 2);
    } else if (c === '$' && /^\$[A-Za-z_]*\$/.test(sql.slice(i))) {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i))![0];
      const j = sql.indexOf(tag, i + tag.length);
      take(i, j === -1 ? n : j + tag.length);
    } else if (c === '"' || c === '`') {
      let j = i + 1;
      let name = '';
      while (j < n) {
        if (sql[j] === c) {
          if (sql[j + 1] === c) {
            name += c;
            j += 2;
            continue;
          }
          break;
        }
        name += sql[j];
        j++;
      }
      if (j >= n) throw new InvalidArgumentError('QueryParseError', { errorMessage: `unterminated quoted identifier starting at character ${i + 1}` });
      if (readingsOf(name).length && !seen.has(name)) {
        seen.add(name);
        identifiers.push(name);
      }
      out += `"${name.replaceAll('"', '""')}"`;
      i = j + 1;
    } else {
      take(i, i + 1);
    }
  }
  return { sql: out, identifiers };
}
