import { randomUUID } from 'node:crypto';
import type { Producer } from '@app/kafka';
import { Webhook } from 'standardwebhooks';
import { Topics, type ExecutionView } from '@app/contracts';
import type { RunningServices } from '@app/infra';
import {
  WebhookReceiver,
  messageCreatedEvent,
  waitFor,
  startSystemUnderTest,
  type SystemUnderTest,
} from '@app/testing';

/**
 * Replaying finished executions through history, against real HTTP receivers: an endpoint rejects
 * a delivery (400, final), is fixed, and the execution is replayed — one on request, or all of a
 * workflow's failures since a time. The replay is a new attempt series of the same execution,
 * signed with the same webhook-id, and history shows how it went.
 */
describe('webhook replay', () => {
  const receiver = new WebhookReceiver();
  /** Paths whose endpoint is fixed: they answer 200; every other path answers 400. */
  const fixed = new Set<string>();
  let receiverUrl: string;
  let services: RunningServices;
  let system: SystemUnderTest;
  let producer: Producer;
  const tenantId = `tenant-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    receiverUrl = await receiver.start();
    receiver.script = (request) =>
      fixed.has(request.path) ? { status: 200 } : { status: 400, body: 'missing order id' };
    system = await startSystemUnderTest({
      suite: 'replay',
      names: ['api', 'ingest', 'trigger-matcher', 'action-dispatcher', 'history', 'signal-aggregator'],
    });
    ({ services, producer } = system);
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
    await receiver.stop();
  });

  /** A workflow firing on "please run <name>" with a webhook to `/hooks/<name>`. */
  async function createWorkflow(name: string) {
    return system.createWorkflow(tenantId, {
      name,
      trigger: { type: 'intent', phrases: [`please run ${name}`] },
      action: { type: 'webhook', url: `${receiverUrl}/hooks/${name}` },
      firing: { mode: 'every_time' },
    });
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

  async function executions(workflowId: string): Promise<ExecutionView[]> {
    const response = await fetch(`${services.url('history')}/v1/workflows/${workflowId}/executions`, {
      headers: await system.tenantHeaders(tenantId),
    });
    return ((await response.json()) as { items: ExecutionView[] }).items;
  }

  /** The workflow's executions once there are `count` and each is `status` (in series `replay`). */
  function executionsWhen(workflowId: string, count: number, status: string, replay: number) {
    return waitFor(
      `${count} execution(s) of ${workflowId} ${status} in series ${replay}`,
      async () => {
        const items = await executions(workflowId);
        const done = items.every((item) => item.status === status && item.replay === replay);
        return items.length === count && done ? items : undefined;
      },
      45_000,
    );
  }

  async function post(url: string, body: unknown, tenant = tenantId) {
    return fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await system.tenantHeaders(tenant)) },
      body: JSON.stringify(body),
    });
  }

  const replayUrl = (executionId: string) => `${services.url('history')}/v1/executions/${executionId}/replay`;
  const hooks = (name: string) => receiver.requests.filter((request) => request.path === `/hooks/${name}`);

  it('replays a failed execution once its endpoint is fixed: same signed webhook-id, success in history', async () => {
    const workflow = await createWorkflow('replay-one');
    await fire('replay-one');
    const [failed] = await executionsWhen(workflow.id, 1, 'failed', 0);
    expect(failed).toMatchObject({ attemptCount: 1, reason: 'HTTP 400: missing order id', replayable: true });

    // Another tenant cannot see it, nor replay it.
    expect((await post(replayUrl(failed!.executionId), {}, 'someone-else')).status).toBe(404);
    expect((await post(replayUrl(randomUUID()), {})).status).toBe(404);

    fixed.add('/hooks/replay-one');
    const replayed = await post(replayUrl(failed!.executionId), {});
    expect(replayed.status).toBe(202);
    expect(await replayed.json()).toEqual({ executionId: failed!.executionId, replay: 1 });

    const [succeeded] = await executionsWhen(workflow.id, 1, 'succeeded', 1);
    expect(succeeded).toMatchObject({ executionId: failed!.executionId, attemptCount: 1, replayOutstanding: false });
    expect(succeeded!.attempts.map((attempt) => attempt.statusCode)).toEqual([200]);
    expect(succeeded!.previousAttempts.map((attempt) => attempt.statusCode)).toEqual([400]);
    const requests = hooks('replay-one');
    expect(requests).toHaveLength(2);
    expect(requests.map((request) => request.headers['webhook-id'])).toEqual([
      failed!.executionId,
      failed!.executionId,
    ]);
    const payload = new Webhook(workflow.signingSecret).verify(
      requests[1]!.body,
      requests[1]!.headers as Record<string, string>,
    ) as { data: { executionId: string } };
    expect(payload.data.executionId).toBe(failed!.executionId);

    // A succeeded execution is replayed only when forced.
    const refused = await post(replayUrl(failed!.executionId), {});
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ error: 'execution_succeeded' });
    const forced = await post(replayUrl(failed!.executionId), { force: true });
    expect(forced.status).toBe(202);
    expect(await forced.json()).toEqual({ executionId: failed!.executionId, replay: 2 });
    await executionsWhen(workflow.id, 1, 'succeeded', 2);
    expect(hooks('replay-one')).toHaveLength(3);

    // Each series is one outcome in the aggregates: the first failed, both replays succeeded.
    const outcomes = await waitFor('the three outcomes in the aggregates', async () => {
      const response = await fetch(`${services.url('signal-aggregator')}/v1/aggregates?series=workflow_execution`, {
        headers: await system.tenantHeaders(tenantId),
      });
      const { items } = (await response.json()) as { items: { name: string; count: number }[] };
      const count = (status: string) =>
        items.filter((item) => item.name === `${workflow.id}:${status}`).reduce((sum, item) => sum + item.count, 0);
      return count('failed') + count('succeeded') === 3
        ? { failed: count('failed'), succeeded: count('succeeded') }
        : undefined;
    });
    expect(outcomes).toEqual({ failed: 1, succeeded: 2 });
  });

  it("bulk-replays a workflow's failed executions since a time, and refuses bad bodies naming the field", async () => {
    const workflow = await createWorkflow('replay-bulk');
    const since = new Date().toISOString();
    await fire('replay-bulk');
    await fire('replay-bulk');
    const failed = await executionsWhen(workflow.id, 2, 'failed', 0);
    const bulkUrl = `${services.url('history')}/v1/workflows/${workflow.id}/replays`;

    const badSince = await post(bulkUrl, { since: 'yesterday' });
    expect(badSince.status).toBe(400);
    expect(await badSince.json()).toMatchObject({ issues: [{ field: '/since' }] });
    const badUntil = await post(bulkUrl, { since, until: since });
    expect(badUntil.status).toBe(400);
    expect(await badUntil.json()).toMatchObject({ issues: [{ field: '/until' }] });
    const badForce = await post(replayUrl(failed[0]!.executionId), { force: 'yes' });
    expect(badForce.status).toBe(400);
    expect(await badForce.json()).toMatchObject({ issues: [{ field: '/force' }] });
    expect((await post(bulkUrl, { since }, 'someone-else')).status).toBe(404);

    // Nothing failed after now: nothing to replay.
    expect(await (await post(bulkUrl, { since: new Date().toISOString() })).json()).toEqual({ items: [], more: false });

    fixed.add('/hooks/replay-bulk');
    const replayed = await post(bulkUrl, { since });
    expect(replayed.status).toBe(202);
    const body = (await replayed.json()) as { items: { executionId: string; replay: number }[]; more: boolean };
    expect(body.more).toBe(false);
    expect(body.items.map((item) => item.executionId).sort()).toEqual(failed.map((item) => item.executionId).sort());
    expect(body.items.every((item) => item.replay === 1)).toBe(true);

    // Replays that have not reported yet are not replayed a second time.
    expect(await (await post(bulkUrl, { since })).json()).toEqual({ items: [], more: false });

    await executionsWhen(workflow.id, 2, 'succeeded', 1);
    const requests = hooks('replay-bulk');
    expect(requests).toHaveLength(4);
    for (const request of requests.slice(2)) {
      expect(() =>
        new Webhook(workflow.signingSecret).verify(request.body, request.headers as Record<string, string>),
      ).not.toThrow();
    }
  });
});
