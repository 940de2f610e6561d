import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureSchemathesis, findRepoRoot, type ServiceName } from '@app/infra';
import { Topics, type WorkflowExecuted, type WorkflowTriggered } from '@app/contracts';
import { startSystemUnderTest, waitFor, type SystemUnderTest } from '@app/testing';
import { OPENAPI_SERVICES, openApiFile } from '../../tools/openapi';

const BASE_CONFIG = path.join(__dirname, 'schemathesis.toml');
// Schemathesis keeps a cache of the failures it found in its working directory: not in the checkout.
const SCHEMATHESIS_DIR = path.join(findRepoRoot(), '.data', 'test', 'schemathesis');

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
    mkdirSync(SCHEMATHESIS_DIR, { recursive: true });
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
  const fuzzRuns: {
    service: ServiceName;
    routes: string;
    auth: 'tenant' | 'operator';
    filter: string[];
    /**
     * Path ids fixed to a workflow and an execution of the tenant's, so that the rest is fuzzed past
     * their 404; the routes that must find them at least once.
     */
    seeded?: string[];
  }[] = [
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
    { service: 'trigger-matcher', routes: 'every route', auth: 'tenant', filter: [] },
    { service: 'action-dispatcher', routes: 'every route', auth: 'tenant', filter: [] },
    {
      service: 'action-dispatcher',
      routes: 'the test delivery of a seeded workflow',
      auth: 'tenant',
      filter: ['--include-path-regex', '\\{workflowId\\}'],
      seeded: ['POST /v1/workflows/{workflowId}/test-delivery'],
    },
    { service: 'history', routes: 'every route', auth: 'tenant', filter: [] },
    {
      service: 'history',
      routes: 'the routes under a seeded workflow and execution',
      auth: 'tenant',
      filter: ['--include-path-regex', '\\{(workflowId|executionId)\\}'],
      seeded: [
        'GET /v1/executions/{executionId}',
        'GET /v1/workflows/{workflowId}/executions',
        'GET /v1/workflows/{workflowId}/stats',
        'POST /v1/executions/{executionId}/replay',
        'POST /v1/workflows/{workflowId}/replays',
      ],
    },
    { service: 'signal-aggregator', routes: 'every route', auth: 'tenant', filter: [] },
  ];

  /**
   * The base settings plus `[parameters]` naming a workflow of the tenant's (created through the
   * api) and an execution of it (published as the dispatcher would, then served by history).
   */
  async function seededConfig(tenantId: string): Promise<string> {
    const workflow = await system.createWorkflow(tenantId, {
      name: 'Fuzzed',
      trigger: { type: 'intent', phrases: ['please cancel my order'] },
      action: { type: 'webhook', url: 'http://127.0.0.1:9/hooks/fuzzed' },
    });
    const at = new Date().toISOString();
    const conversationId = `conv-${randomUUID()}`;
    // A failed delivery that called the endpoint keeps its trigger: history can replay it.
    const trigger: WorkflowTriggered = {
      triggerId: randomUUID(),
      tenantId,
      conversationId,
      workflow: { id: workflow.id, version: workflow.version, name: 'Fuzzed' },
      event: { id: `evt-${randomUUID()}`, source: '/e2e', type: 'conversation.message.created', time: at },
      message: { id: `msg-${randomUUID()}`, role: 'contact', text: 'please cancel my order' },
      match: { type: 'intent', score: 1, threshold: 0.8, phrase: 'please cancel my order' },
      firedAt: at,
    };
    const execution: WorkflowExecuted = {
      executionId: randomUUID(),
      triggerId: trigger.triggerId,
      tenantId,
      conversationId,
      workflowId: workflow.id,
      workflowVersion: workflow.version,
      actionType: 'webhook',
      status: 'failed',
      attempts: [{ number: 1, startedAt: at, durationMs: 5, statusCode: 503 }],
      eventTime: at,
      startedAt: at,
      finishedAt: at,
      latencyMs: 5,
      trigger,
    };
    await system.producer.send({
      topic: Topics.workflowExecutions.name,
      acks: -1,
      messages: [{ key: execution.conversationId, value: JSON.stringify(execution) }],
    });
    const headers = await system.tenantHeaders(tenantId);
    await waitFor('history to serve the seeded execution', async () => {
      const response = await fetch(`${system.services.url('history')}/v1/executions/${execution.executionId}`, {
        headers,
      });
      return response.status === 200 ? true : undefined;
    });
    const file = path.join(SCHEMATHESIS_DIR, `seeded-${tenantId}.toml`);
    writeFileSync(
      file,
      `${readFileSync(BASE_CONFIG, 'utf8')}\n[parameters]\n` +
        `"path.workflowId" = "${workflow.id}"\n"path.executionId" = "${execution.executionId}"\n`,
    );
    return file;
  }

  it.each(fuzzRuns)(
    '$service answers as its document says when fuzzed: $routes',
    async (run) => {
      const tenantId = `fuzz-${run.service}-${run.routes.replace(/\W+/g, '-')}`.slice(0, 64);
      const authorization =
        run.auth === 'operator' ? `Bearer ${system.adminToken}` : (await system.tenantHeaders(tenantId)).authorization;
      const configFile = run.seeded ? await seededConfig(tenantId) : BASE_CONFIG;
      const harFile = path.join(SCHEMATHESIS_DIR, `${tenantId}.har`);
      const { code, output } = await runSchemathesis(schemathesis, [
        '--config-file',
        configFile,
        'run',
        `${system.services.url(run.service)}/openapi.json`,
        '--header',
        `Authorization: ${authorization}`,
        '--max-examples',
        '15',
        '--seed',
        '1',
        '--no-color',
        '--report',
        'har',
        '--report-har-path',
        harFile,
        ...run.filter,
      ]);
      const report = path.join(SCHEMATHESIS_DIR, `${tenantId}.log`);
      writeFileSync(report, output);
      process.stderr.write(`[e2e openapi] ${run.service} (${run.routes}): ${lastLine(output)} (report: ${report})\n`);
      // On failure the message is Schemathesis's own report: each failing check with a curl line to reproduce it.
      expect({ code, report: code === 0 ? 'passed' : output }).toEqual({ code: 0, report: 'passed' });
      if (run.seeded) {
        // The seeded ids took the requests past their 404: each route found the workflow or the execution at least once.
        expect(routesThatFoundTheirIds(harFile)).toEqual(run.seeded);
      }
    },
    600_000,
  );
});

function runSchemathesis(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: SCHEMATHESIS_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
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

/**
 * The routes (method and path template) of a HAR file of Schemathesis's that answered with success,
 * or with 409 (the execution's replay was requested already, by the workflow's replay say), sorted.
 */
function routesThatFoundTheirIds(harFile: string): string[] {
  const har = JSON.parse(readFileSync(harFile, 'utf8')) as {
    log: { entries: { request: { method: string; url: string }; response: { status: number } }[] };
  };
  const template = (pathname: string) =>
    pathname
      .replace(/^\/v1\/executions\/[^/]+/, '/v1/executions/{executionId}')
      .replace(/^\/v1\/workflows\/[^/]+/, '/v1/workflows/{workflowId}');
  const routes = har.log.entries
    .filter(({ response: { status } }) => (status >= 200 && status < 300) || status === 409)
    .map((entry) => `${entry.request.method} ${template(new URL(entry.request.url).pathname)}`);
  return [...new Set(routes)].sort();
}
