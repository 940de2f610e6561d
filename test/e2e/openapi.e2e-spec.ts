import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ensureSchemathesis, findRepoRoot, type ServiceName } from '@app/infra';
import { startSystemUnderTest, type SystemUnderTest } from '@app/testing';
import { OPENAPI_SERVICES, openApiFile } from '../../tools/openapi';

/**
 * Each service with an OpenAPI document serves it, exactly the committed docs/openapi/<service>.json,
 * without a key; and answers what its document promises when Schemathesis fuzzes it.
 */
describe('OpenAPI', () => {
  let system: SystemUnderTest;
  let schemathesis: string;

  beforeAll(async () => {
    system = await startSystemUnderTest({
      suite: 'openapi',
      names: OPENAPI_SERVICES.map((service) => service.name),
    });
    schemathesis = await ensureSchemathesis((line) => process.stderr.write(`[e2e openapi] ${line}\n`));
  }, 360_000);

  afterAll(async () => {
    await system?.stop();
  });

  it.each(OPENAPI_SERVICES.map((service) => service.name))(
    '%s serves /openapi.json equal to the committed document, and a docs page',
    async (name) => {
      const url = system.services.url(name);
      const served = await fetch(`${url}/openapi.json`);
      expect(served.status).toBe(200);
      const committed = JSON.parse(readFileSync(path.join(findRepoRoot(), openApiFile(name)), 'utf8'));
      expect(await served.json()).toEqual(committed);
      const page = await fetch(`${url}/docs`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('swagger');
    },
  );

  /*
   * Requests generated from each document (boundary values, random data, and sequences that use
   * the ids earlier answers returned), every answer checked against the document: no 5xx, only
   * documented status codes, bodies and headers as documented, invalid input refused, a method a
   * path does not take answered 405, no route that ignores its key. test/e2e/schemathesis.toml
   * turns off the one check a JSON Schema cannot serve (rules such as from < to). A tenant's own
   * keys are fuzzed with a key of their own (the fuzzer revokes keys), the operator's routes with
   * the operator token.
   */
  const fuzzRuns: { service: ServiceName; routes: string; auth: 'tenant' | 'operator'; filter: string[] }[] = [
    { service: 'api', routes: 'workflows and preview', auth: 'tenant', filter: ['--exclude-path-regex', 'api-keys'] },
    {
      service: 'api',
      routes: "a tenant's API keys",
      auth: 'tenant',
      filter: ['--include-path-regex', '^/v1/api-keys'],
    },
    {
      service: 'api',
      routes: "the operator's routes",
      auth: 'operator',
      filter: ['--include-path-regex', '^/v1/admin/'],
    },
    { service: 'ingest', routes: 'every route', auth: 'tenant', filter: [] },
    { service: 'history', routes: 'every route', auth: 'tenant', filter: [] },
    { service: 'signal-aggregator', routes: 'every route', auth: 'tenant', filter: [] },
  ];

  it.each(fuzzRuns)(
    '$service answers as its document says when fuzzed: $routes',
    async (run) => {
      const authorization =
        run.auth === 'operator'
          ? `Bearer ${system.adminToken}`
          : (await system.tenantHeaders(`fuzz-${run.service}-${run.routes.replace(/\W+/g, '-')}`)).authorization;
      const { code, output } = await runSchemathesis(schemathesis, [
        '--config-file',
        path.join(__dirname, 'schemathesis.toml'),
        'run',
        `${system.services.url(run.service)}/openapi.json`,
        '--header',
        `Authorization: ${authorization}`,
        '--max-examples',
        '15',
        '--seed',
        '1',
        '--no-color',
        ...run.filter,
      ]);
      process.stderr.write(`[e2e openapi] ${run.service} (${run.routes}): ${lastLine(output)}\n`);
      // On failure the message is Schemathesis's own report: each failing check with a curl line to reproduce it.
      expect({ code, report: code === 0 ? 'passed' : output }).toEqual({ code: 0, report: 'passed' });
    },
    600_000,
  );
});

function runSchemathesis(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  // Schemathesis keeps a cache of the failures it found in its working directory: not in the checkout.
  const cwd = path.join(findRepoRoot(), '.data', 'test', 'schemathesis');
  mkdirSync(cwd, { recursive: true });
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1)?.replace(/=+/g, '').trim() ?? '';
}
