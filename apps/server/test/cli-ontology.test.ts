import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestOrg, type TestServer } from '@openfoundry/testkit';

/** `openfoundry ontology apply`: a real CLI process applying a YAML document to a real server. */
const bin = join(import.meta.dirname, '../bin/openfoundry.mjs');
let ts: TestServer;
let org: TestOrg;
let dir: string;
let ontologyRid: string;
let env: Record<string, string>;

function cli(args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const yaml = (salaryType: string, extra = '') => `
# Employees of the HR project, as code.
objectTypes:
  - apiName: Employee
    displayName: Employee
    dataset: /Default/HR/employees
    primaryKey: employeeId
    titleProperty: fullName
    properties:
      employeeId: { column: id, type: long }
      fullName: { column: name, type: string, description: Full name }
      salary: { type: ${salaryType} }
${extra}`;

beforeAll(async () => {
  ts = await startTestServer();
  org = await ts.createOrg();
  const http = org.admin.http;
  const spaces = await http.get('/api/v2/filesystem/spaces');
  const project = await http.post('/api/v2/filesystem/projects/create', { displayName: 'HR', spaceRid: spaces.body.data[0].rid });
  const ds = await http.post('/api/v2/datasets', { parentFolderRid: project.body.rid, name: 'employees' });
  await http.post(`/api/v2/datasets/${ds.body.rid}/import?format=csv`, undefined, { raw: Buffer.from('id,name,salary\n1,Ada,10\n2,Grace,20\n'), headers: { 'content-type': 'application/octet-stream' } });
  ontologyRid = (await http.post('/api/v2/ontologies', { parentFolderRid: project.body.rid, apiName: 'hr', displayName: 'HR' })).body.rid;
  env = { OPENFOUNDRY_TOKEN: org.admin.token, OPENFOUNDRY_URL: ts.url };
  dir = mkdtempSync(join(tmpdir(), 'of-ontology-'));
});
afterAll(async () => {
  await ts?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('openfoundry ontology apply', () => {
  it('prints the plan, applies, is idempotent, refuses breaking changes unless allowed, and names problems', async () => {
    const file = join(dir, 'hr.yaml');
    writeFileSync(file, yaml('long'));
    const dry = await cli(['ontology', 'apply', file, '--ontology', 'hr', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toBe('+ objectType Employee (create)\n');
    expect((await org.admin.http.get(`/api/v2/ontologies/${ontologyRid}/objectTypes`)).body.data).toEqual([]);

    const applied = await cli(['ontology', 'apply', file, '--ontology', 'hr']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toBe('+ objectType Employee (create)\napplied\n');
    const again = await cli(['ontology', 'apply', file, '--ontology', ontologyRid]);
    expect(again.stdout).toBe('no changes (1 type(s) up to date)\n');

    writeFileSync(file, yaml('double'));
    const wrong = await cli(['ontology', 'apply', file, '--ontology', 'hr']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('objectTypes[0].properties.salary.type: column `salary` is LONG, which cannot back a double property');

    writeFileSync(file, yaml('long').replace('      salary: { type: long }\n', ''));
    const breaking = await cli(['ontology', 'apply', file, '--ontology', 'hr']);
    expect(breaking.code).toBe(1);
    expect(breaking.stderr).toContain('~ objectType Employee (update)\n    properties.salary: removed\n    ! breaking: property salary is removed');
    expect(breaking.stderr).toContain('--allow-breaking-changes');
    const allowed = await cli(['ontology', 'apply', file, '--ontology', 'hr', '--allow-breaking-changes']);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stdout).toContain('applied');
    const type = await org.admin.http.get(`/api/v2/ontologies/${ontologyRid}/objectTypes/Employee`);
    expect(Object.keys(type.body.properties)).toEqual(['employeeId', 'fullName']);

    writeFileSync(file, 'objectTypes: [ {');
    const broken = await cli(['ontology', 'apply', file, '--ontology', 'hr']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('is not valid YAML');
    writeFileSync(file, yaml('long'));
    const missing = await cli(['ontology', 'apply', file, '--ontology', 'nope']);
    expect(missing.stderr).toContain('OntologyNotFound');
  });

  it('export prints the ontology as YAML or JSON, which apply takes back unchanged', async () => {
    const exported = await cli(['ontology', 'export', '--ontology', 'hr']);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toContain('  - apiName: Employee\n');
    expect(exported.stdout).toContain('column: id');
    const file = join(dir, 'exported.yaml');
    writeFileSync(file, exported.stdout);
    const back = await cli(['ontology', 'apply', file, '--ontology', 'hr', '--prune']);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toBe('no changes (1 type(s) up to date)\n');
    const json = await cli(['ontology', 'export', '--ontology', 'hr', '--format', 'json']);
    expect(JSON.parse(json.stdout).objectTypes.map((t: { apiName: string }) => t.apiName)).toEqual(['Employee']);
    const missing = await cli(['ontology', 'export', '--ontology', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('OntologyNotFound');
  });
});
