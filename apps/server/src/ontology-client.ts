import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { api, failure } from './import-client.js';

/** What `openfoundry ontology apply` needs. */
export interface OntologyApplyRequest {
  url: string;
  token: string;
  /** The ontology's RID or API name. */
  ontology: string;
  file: string;
  dryRun: boolean;
  prune: boolean;
  allowBreakingChanges: boolean;
}

interface Change {
  kind: string;
  apiName: string;
  action: 'create' | 'update' | 'delete' | 'unchanged';
  changes: string[];
  breaking: string[];
}

const SIGN: Record<Change['action'], string> = { create: '+', update: '~', delete: '-', unchanged: '=' };

/** The plan as a diff a person reads: one line per type, its field changes and why it breaks. */
export function formatPlan(changes: Change[]): string {
  const lines: string[] = [];
  for (const c of changes) {
    if (c.action === 'unchanged') continue;
    lines.push(`${SIGN[c.action]} ${c.kind} ${c.apiName} (${c.action})`);
    for (const d of c.changes) lines.push(`    ${d}`);
    for (const b of c.breaking) lines.push(`    ! breaking: ${b}`);
  }
  const unchanged = changes.filter((c) => c.action === 'unchanged').length;
  if (!lines.length) return `no changes (${unchanged} type(s) up to date)\n`;
  return `${lines.join('\n')}\n${unchanged ? `(${unchanged} type(s) unchanged)\n` : ''}`;
}

/** Reads a YAML or JSON ontology document. */
export async function readOntologyDocument(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8');
  try {
    return extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new Error(`${file} is not valid ${extname(file).toLowerCase() === '.json' ? 'JSON' : 'YAML'}: ${(e as Error).message}`);
  }
}

/**
 * Applies an ontology document through a running server: plans it first and prints the plan, then
 * applies it unless this is a dry run or nothing changes. Breaking changes need
 * `allowBreakingChanges`. Returns what to print and whether anything was applied.
 */
export async function applyOntologyFile(req: OntologyApplyRequest): Promise<{ plan: string; applied: boolean }> {
  if (!req.token) throw new Error('a token is needed: --token or OPENFOUNDRY_TOKEN (create one with `openfoundry token create`)');
  const doc = await readOntologyDocument(req.file);
  const base = `/api/v2/ontologies/${encodeURIComponent(req.ontology)}/apply`;
  const flags = (extra: Record<string, string>) => `?${new URLSearchParams({ ...(req.prune ? { prune: 'true' } : {}), ...extra })}`;
  const planned = await api<{ changes: Change[]; errorName?: string; parameters?: { problems?: Array<{ path: string; problem: string }> } }>(req, 'POST', `${base}${flags({ dryRun: 'true' })}`, doc);
  if (planned.status === 400 && planned.body.parameters?.problems) {
    throw new Error(`the document is not valid:\n${planned.body.parameters.problems.map((p) => `  ${p.path}: ${p.problem}`).join('\n')}`);
  }
  if (planned.status !== 200) throw failure('plan', planned);
  const plan = formatPlan(planned.body.changes);
  const pending = planned.body.changes.filter((c) => c.action !== 'unchanged');
  if (req.dryRun || !pending.length) return { plan, applied: false };
  if (pending.some((c) => c.breaking.length) && !req.allowBreakingChanges) {
    throw new Error(`${plan}the plan has breaking changes; re-run with --allow-breaking-changes to apply it`);
  }
  const applied = await api(req, 'POST', `${base}${flags(req.allowBreakingChanges ? { allowBreakingChanges: 'true' } : {})}`, doc);
  if (applied.status !== 200) throw failure('apply', applied);
  return { plan, applied: true };
}

/** The ontology as code from a running server (`GET …/definition`), as YAML or JSON: a file `apply` takes back unchanged. */
export async function exportOntology(req: { url: string; token: string; ontology: string; format: 'yaml' | 'json' }): Promise<string> {
  if (!req.token) throw new Error('a token is needed: --token or OPENFOUNDRY_TOKEN (create one with `openfoundry token create`)');
  const res = await api<unknown>(req, 'GET', `/api/v2/ontologies/${encodeURIComponent(req.ontology)}/definition`);
  if (res.status !== 200) throw failure('export', res);
  return req.format === 'json' ? `${JSON.stringify(res.body, null, 2)}\n` : toYaml(res.body);
}
