import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Producer } from '@app/kafka';
import pino from 'pino';
import { Webhook } from 'standardwebhooks';
import { Topics, type ExecutionView } from '@app/contracts';
import { findRepoRoot, startServices, type RunningServices } from '@app/infra';
import { createKafkaClient, createProducer } from '@app/kafka';
import {
  WebhookReceiver,
  messageCreatedEvent,
  waitFor,
  workflowDefinitionsLoaded,
  type ScriptedResponse,
} from '@app/testing';

/**
 * Delivery guarantees against real HTTP receivers on loopback: each class of answer, timeouts,
 * redirects, Retry-After, 410, and a dispatcher killed in the middle of a retry schedule. The
 * schedule is shortened to seconds for the test (WEBHOOK_RETRY_SCHEDULE).
 */
describe('webhook delivery', () => {
  const receiver = new WebhookReceiver();
  const scripts = new Map<string, (earlier: number) => ScriptedResponse>();
  let receiverUrl: string;
  let services: RunningServices;
  let producer: Producer;
  let workflowsCreated = 0;
  const tenantId = `tenant-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    receiverUrl = await receiver.start();
    receiver.script = (request, earlier) => scripts.get(request.path)?.(earlier);
    services = await startServices({
      names: ['api', 'ingest', 'trigger-matcher', 'action-dispatcher', 'history'],
      env: {
        KAFKA_BROKERS: required('KAFKA_BROKERS'),
        DATABASE_URL: required('DATABASE_URL'),
        OUTBOUND_ALLOWED_CIDRS: '127.0.0.0/8',
        INSTANCE_ID: `e2e-delivery-${randomUUID().slice(0, 8)}`,
        WEBHOOK_RETRY_SCHEDULE: '1500ms,1500ms,1500ms',
        WEBHOOK_TIMEOUT_MS: '1000',
        WEBHOOK_CIRCUIT_FAILURE_THRESHOLD: '3',
        WEBHOOK_CIRCUIT_HALF_OPEN_AFTER_MS: '3000',
        LOG_LEVEL: 'info',
      },
      portOffset: 2000,
      logDir: path.join(findRepoRoot(), '.data', 'test', 'logs-delivery'),
      log: (line) => process.stderr.write(`[e2e delivery] ${line}\n`),
    });
    producer = createProducer(
      createKafkaClient({
        brokers: required('KAFKA_BROKERS').split(','),
        clientId: 'e2e-delivery',
        logger: pino({ level: 'warn' }),
      }),
    );
    await producer.connect();
  }, 180_000);

  afterAll(async () => {
    await producer?.disconnect();
    await services?.stop();
    await receiver.stop();
  });

  /** A workflow firing on `phrase` whose webhook at `/hooks/<name>` answers per `script`. */
  async function workflowAnswering(name: string, script: (earlier: number) => ScriptedResponse) {
    scripts.set(`/hooks/${name}`, script);
    const response = await fetch(`${services.url('api')}/v1/workflows`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tenant-id': tenantId },
      body: JSON.stringify({
        name,
        trigger: { type: 'intent', phrases: [`please run ${name}`] },
        action: { type: 'webhook', url: `${receiverUrl}/hooks/${name}` },
        firing: { mode: 'every_time' },
      }),
    });
    expect(response.status).toBe(201);
    workflowsCreated += 1;
    for (const service of ['trigger-matcher', 'action-dispatcher'] as const) {
      await waitFor(`${service} to load the workflows`, async () =>
        ((await workflowDefinitionsLoaded(services.url(service))) ?? 0) >= workflowsCreated ? true : undefined,
      );
    }
    return (await response.json()) as { id: string; signingSecret: string };
  }

  async function fire(name: string): Promise<void> {
    const conversationId = `conv-${randomUUID()}`;
    await producer.send({
      topic: Topics.conversationEvents.name,
      acks: -1,
      messages: [
        {
          key: conversationId,
          value: JSON.stringify(messageCreatedEvent(tenantId, conversationId, `please run ${name}`)),
        },
      ],
    });
  }

  const hooks = (name: string) => receiver.requests.filter((request) => request.path === `/hooks/${name}`);

  async function executions(workflowId: string): Promise<ExecutionView[]> {
    const response = await fetch(`${services.url('history')}/v1/workflows/${workflowId}/executions`, {
      headers: { 'x-tenant-id': tenantId },
    });
    return ((await response.json()) as { items: ExecutionView[] }).items;
  }

  async function finalExecution(workflowId: string, count = 1): Promise<ExecutionView[]> {
    return waitFor(
      `${count} finished execution(s) of ${workflowId}`,
      async () => {
        const items = await executions(workflowId);
        const finished = items.every((item) => item.status !== 'retrying' && item.status !== 'circuit_open');
        return items.length >= count && finished ? items : undefined;
      },
      45_000,
    );
  }

  const quietly = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('retries 5xx answers and timeouts on the schedule with the same signed webhook-id, then succeeds', async () => {
    const workflow = await workflowAnswering('flaky', (earlier) =>
      earlier === 0 ? { status: 500, body: 'boom' } : earlier === 1 ? { status: 200, delayMs: 2_000 } : { status: 204 },
    );
    await fire('flaky');
    const [execution] = await finalExecution(workflow.id);
    expect(execution).toMatchObject({ status: 'succeeded', attemptCount: 3 });
    expect(execution!.attempts.map((attempt) => attempt.statusCode ?? null)).toEqual([500, null, 204]);
    expect(execution!.attempts[0]!.error).toBe('HTTP 500: boom');
    expect(execution!.attempts[1]!.error).toBe('timed out after 1000 ms');
    const requests = hooks('flaky');
    expect(requests).toHaveLength(3);
    expect(new Set(requests.map((request) => request.headers['webhook-id']))).toEqual(
      new Set([execution!.executionId]),
    );
    for (const request of requests) {
      expect(() =>
        new Webhook(workflow.signingSecret).verify(request.body, request.headers as Record<string, string>),
      ).not.toThrow();
    }
    // Retries wait for the schedule (1.5 s plus up to 20% jitter; the timed-out attempt took 1 s).
    expect(requests[1]!.receivedAt - requests[0]!.receivedAt).toBeGreaterThanOrEqual(1_400);
  });

  it('gives up at once on 4xx, on redirects (never followed) and when the receiver says stop', async () => {
    const rejected = await workflowAnswering('rejected', () => ({ status: 422, body: 'no such order' }));
    const redirected = await workflowAnswering('redirected', () => ({
      status: 307,
      headers: { location: `${receiverUrl}/hooks/redirect-target` },
    }));
    const stopped = await workflowAnswering('stopped', () => ({
      status: 503,
      headers: { 'x-webhook-stop-retries': 'true' },
    }));
    await Promise.all([fire('rejected'), fire('redirected'), fire('stopped')]);
    const [rejectedRun] = await finalExecution(rejected.id);
    const [redirectedRun] = await finalExecution(redirected.id);
    const [stoppedRun] = await finalExecution(stopped.id);
    expect(rejectedRun).toMatchObject({ status: 'failed', attemptCount: 1, reason: 'HTTP 422: no such order' });
    expect(redirectedRun).toMatchObject({ status: 'failed', attemptCount: 1 });
    expect(stoppedRun).toMatchObject({ status: 'failed', attemptCount: 1 });
    await quietly(2_500);
    expect([hooks('rejected').length, hooks('redirected').length, hooks('stopped').length]).toEqual([1, 1, 1]);
    expect(hooks('redirect-target')).toHaveLength(0);
  });

  it("honours a 429's Retry-After, and gives up when the schedule is exhausted", async () => {
    const throttled = await workflowAnswering('throttled', (earlier) =>
      earlier === 0 ? { status: 429, headers: { 'retry-after': '4' } } : { status: 200 },
    );
    const broken = await workflowAnswering('broken', () => ({ status: 502 }));
    await Promise.all([fire('throttled'), fire('broken')]);
    const [throttledRun] = await finalExecution(throttled.id);
    expect(throttledRun).toMatchObject({ status: 'succeeded', attemptCount: 2 });
    const [first, second] = hooks('throttled');
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(3_900);
    const [brokenRun] = await finalExecution(broken.id);
    expect(brokenRun).toMatchObject({ status: 'failed', attemptCount: 4 });
    expect(brokenRun!.reason).toMatch(/^gave up after 4 attempt\(s\): HTTP 502/);
  });

  it('disables an endpoint that answers 410 Gone, and skips its later executions', async () => {
    const gone = await workflowAnswering('gone', () => ({ status: 410 }));
    await fire('gone');
    const [first] = await finalExecution(gone.id);
    expect(first).toMatchObject({ status: 'failed', attemptCount: 1, reason: 'HTTP 410 Gone: endpoint disabled' });
    await fire('gone');
    const runs = await finalExecution(gone.id, 2);
    expect(runs.map((run) => run.status).sort()).toEqual(['failed', 'skipped']);
    expect(runs.find((run) => run.status === 'skipped')!.reason).toMatch(/^endpoint disabled: .* answered 410 Gone$/);
    expect(hooks('gone')).toHaveLength(1);
    const metrics = await (await fetch(`${services.url('action-dispatcher')}/metrics`)).text();
    expect(metrics).toMatch(/aw_webhook_endpoints_disabled_total\{[^}]*reason="gone"[^}]*\} 1/);
  });

  it("opens an endpoint's circuit after consecutive failures, postpones its executions, and recovers", async () => {
    let healthy = false;
    const workflow = await workflowAnswering('tripping', () => (healthy ? { status: 200 } : { status: 500 }));
    await Promise.all([fire('tripping'), fire('tripping'), fire('tripping'), fire('tripping')]);
    const postponed = await waitFor('an execution postponed by the open circuit', async () =>
      (await executions(workflow.id)).find((execution) => execution.status === 'circuit_open'),
    );
    expect(postponed.reason).toMatch(/^circuit open/);
    const metrics = await (await fetch(`${services.url('action-dispatcher')}/metrics`)).text();
    expect(metrics).toMatch(/aw_circuit_breaker_transitions_total\{[^}]*state="open"[^}]*\} [1-9]/);
    healthy = true;
    const runs = await finalExecution(workflow.id, 4);
    expect(runs.map((run) => run.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    // Postponements are not attempts: no execution used more than the schedule allows.
    expect(Math.max(...runs.map((run) => run.attemptCount))).toBeLessThanOrEqual(4);
  });

  it('resumes a retry schedule after the dispatcher is killed, and never sends again after success', async () => {
    const workflow = await workflowAnswering('crash', (earlier) => (earlier < 2 ? { status: 500 } : { status: 200 }));
    await fire('crash');
    // The first failure and its next attempt are committed to the schedule…
    await waitFor('the execution to be retrying', async () =>
      (await executions(workflow.id))[0]?.status === 'retrying' ? true : undefined,
    );
    // …when the dispatcher dies without any chance to clean up.
    expect(await services.kill('action-dispatcher', 'SIGKILL')).toBeNull();
    const sentBeforeCrash = hooks('crash').length;
    expect(sentBeforeCrash).toBeGreaterThanOrEqual(1);
    await services.start('action-dispatcher');
    const [execution] = await finalExecution(workflow.id);
    expect(execution).toMatchObject({ status: 'succeeded', attemptCount: 3 });
    expect(hooks('crash')).toHaveLength(3);
    // Killed and restarted after the success: nothing is sent again.
    expect(await services.kill('action-dispatcher', 'SIGKILL')).toBeNull();
    await services.start('action-dispatcher');
    await quietly(4_000);
    expect(hooks('crash')).toHaveLength(3);
    expect(new Set(hooks('crash').map((request) => request.headers['webhook-id']))).toEqual(
      new Set([execution!.executionId]),
    );
  }, 120_000);
});

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: the jest global setup provisions it`);
  return value;
}
