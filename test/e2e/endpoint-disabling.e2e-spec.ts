import { randomUUID } from 'node:crypto';
import type { ExecutionView } from '@app/contracts';
import { Topics } from '@app/contracts';
import type { RunningServices } from '@app/infra';
import type { Producer } from '@app/kafka';
import {
  WebhookReceiver,
  messageCreatedEvent,
  readMetric,
  startSystemUnderTest,
  waitFor,
  type SystemUnderTest,
} from '@app/testing';

/**
 * An endpoint that fails every attempt for the whole disabling window (shortened to 3 s here;
 * 5 days by default) is disabled: later attempts and executions are skipped without a request,
 * and a new version of the workflow delivers again.
 */
describe('endpoint disabling after a failing window', () => {
  const receiver = new WebhookReceiver();
  let healthy = false;
  let system: SystemUnderTest;
  let services: RunningServices;
  let producer: Producer;
  const tenantId = `tenant-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    const receiverUrl = await receiver.start();
    receiver.script = () => (healthy ? { status: 200 } : { status: 500, body: 'down' });
    system = await startSystemUnderTest({
      suite: 'disabling',
      names: ['api', 'ingest', 'trigger-matcher', 'action-dispatcher', 'history'],
      env: { WEBHOOK_RETRY_SCHEDULE: '1s,1s,1s,1s,1s,1s', WEBHOOK_DISABLE_AFTER_FAILING_SECONDS: '3' },
    });
    ({ services, producer } = system);
    workflow = await system.createWorkflow(tenantId, {
      name: 'flaky endpoint',
      trigger: { type: 'intent', phrases: ['please run the flaky endpoint'] },
      action: {
        type: 'webhook',
        url: `${receiverUrl}/hooks/flaky`,
        fallback: { message: { text: 'We could not do it right now.' } },
      },
      firing: { mode: 'every_time' },
    });
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
    await receiver.stop();
  });

  let workflow: { id: string; version: number };

  async function api(method: string, path: string, body: unknown): Promise<{ id: string; version: number }> {
    const response = await fetch(`${services.url('api')}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(await system.tenantHeaders(tenantId)) },
      body: JSON.stringify(body),
    });
    expect(response.status).toBeLessThan(300);
    return (await response.json()) as { id: string; version: number };
  }

  async function fire(): Promise<string> {
    const conversationId = `conv-${randomUUID()}`;
    await producer.send({
      topic: Topics.conversationEvents.name,
      acks: -1,
      messages: [
        {
          key: conversationId,
          value: JSON.stringify(messageCreatedEvent(tenantId, conversationId, 'please run the flaky endpoint')),
        },
      ],
    });
    return conversationId;
  }

  async function executions(): Promise<ExecutionView[]> {
    const response = await fetch(`${services.url('history')}/v1/workflows/${workflow.id}/executions`, {
      headers: await system.tenantHeaders(tenantId),
    });
    return ((await response.json()) as { items: ExecutionView[] }).items;
  }

  const requests = () => receiver.requests.filter((request) => request.path === '/hooks/flaky').length;

  /** The records of `topic` that `wanted` accepts (parsed, with their key), once there are `count`. */
  async function recordsOn<T>(
    topic: string,
    wanted: (key: string, value: T) => boolean,
    count: number,
  ): Promise<{ key: string; value: T }[]> {
    const consumer = system.kafka.consumer({ groupId: `e2e-disabling-reader-${randomUUID()}` });
    const found: { key: string; value: T }[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          const key = message.key?.toString() ?? '';
          const value = JSON.parse(message.value?.toString() ?? 'null') as T;
          if (value !== null && wanted(key, value)) found.push({ key, value });
        },
      });
      return await waitFor(`${count} record(s) on ${topic}`, () => (found.length >= count ? [...found] : undefined));
    } finally {
      await consumer.disconnect();
    }
  }

  it('disables the endpoint once its attempts have failed for the window, delivers again after a change, and replays what it skipped', async () => {
    const startedAt = new Date();
    const first = await fire();
    const [skipped] = await waitFor(
      'the execution to be skipped on a disabled endpoint',
      async () => {
        const items = await executions();
        return items[0]?.status === 'skipped' ? items : undefined;
      },
      45_000,
    );
    expect(skipped!.reason).toMatch(/^endpoint disabled: no successful delivery to .* since /);
    // Attempts at 0, ≥ 1, ≥ 2 and ≥ 3 s: the first at ≥ 3 s (the fourth, or the third on a slow
    // machine) disabled the endpoint, and the next was skipped.
    const sent = requests();
    expect(sent).toBeGreaterThanOrEqual(3);
    expect(sent).toBeLessThanOrEqual(4);
    expect(
      await readMetric(services.url('action-dispatcher'), 'aw_webhook_endpoints_disabled_total', { reason: 'failing' }),
    ).toBe(1);

    // A later execution is skipped without a request.
    const second = await fire();
    await waitFor('the second execution to be skipped', async () => {
      const items = await executions();
      return items.length === 2 && items.every((item) => item.status === 'skipped') ? true : undefined;
    });
    expect(requests()).toBe(sent);
    // Neither contact is left without an answer: each skipped execution sent the fallback, once.
    const fallbacks = await recordsOn<{ purpose?: string }>(
      Topics.conversationActions.name,
      (key, action) => [first, second].includes(key) && action.purpose === 'fallback',
      2,
    );
    expect(fallbacks.map(({ key }) => key).sort()).toEqual([first, second].sort());
    // The tenant was told on workflow.notifications.
    const [notification] = await recordsOn<{ workflow: { id: string } }>(
      Topics.workflowNotifications.name,
      (key, value) => key === tenantId && value.workflow.id === workflow.id,
      1,
    );
    expect(notification!.value).toMatchObject({
      type: 'endpoint.disabled',
      cause: 'failing',
      reason: expect.stringMatching(/^no successful delivery to /),
    });
    // The author sees why on the workflow itself.
    const shown = await waitFor('the disabled endpoint on the workflow', async () => {
      const view = (await (
        await fetch(`${services.url('api')}/v1/workflows/${workflow.id}`, {
          headers: await system.tenantHeaders(tenantId),
        })
      ).json()) as { endpoint?: { status: string; reason: string } };
      return view.endpoint;
    });
    expect(shown).toMatchObject({ status: 'disabled', reason: expect.stringMatching(/^no successful delivery to /) });

    // The author fixes the endpoint: a new version of the workflow delivers again.
    healthy = true;
    // The dispatcher waits for the version a trigger names, so the change needs no wait here.
    const changed = await api('PATCH', `/v1/workflows/${workflow.id}`, { name: 'flaky endpoint, fixed' });
    await fire();
    await waitFor('a delivery after the change', async () => {
      const items = await executions();
      return items.some((item) => item.status === 'succeeded' && item.workflowVersion === changed.version)
        ? true
        : undefined;
    });
    expect(requests()).toBe(sent + 1);
    expect(await api('GET', `/v1/workflows/${workflow.id}`, undefined)).not.toHaveProperty('endpoint');

    // What was skipped while the endpoint was disabled is delivered by a bulk replay.
    const replays = await fetch(`${services.url('history')}/v1/workflows/${workflow.id}/replays`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await system.tenantHeaders(tenantId)) },
      body: JSON.stringify({ since: startedAt.toISOString() }),
    });
    expect(replays.status).toBe(202);
    expect(((await replays.json()) as { items: unknown[] }).items).toHaveLength(2);
    await waitFor('the skipped executions delivered by their replay', async () => {
      const items = await executions();
      return items.length === 3 && items.every((item) => item.status === 'succeeded') ? true : undefined;
    });
    expect(requests()).toBe(sent + 3);
  }, 120_000);
});
