import { randomUUID } from 'node:crypto';
import { Topics, type WorkflowDefinition, type WorkflowExecuted, type WorkflowTriggered } from '@app/contracts';
import { executionIdOf } from '@app/domain';
import { jsonRecord, sendChunked, type Consumer } from '@app/kafka';
import {
  WebhookReceiver,
  startSystemUnderTest,
  waitFor,
  workflowDefinitionsLoaded,
  type ReceivedRequest,
  type SystemUnderTest,
} from '@app/testing';

/**
 * How deliveries are scheduled, on the real action-dispatcher and real Kafka, fed triggers
 * directly: first attempts made by the trigger's batch (inline), including one that outlasts the
 * batch's wait; and strict ordering per conversation (`action.ordering: "conversation"`), where
 * the receiver fails the first delivery of a conversation twice and the second delivery of that
 * conversation must wait for the first to succeed, while another conversation and an unordered
 * workflow are not held back.
 */
describe('delivery scheduling (e2e)', () => {
  const receiver = new WebhookReceiver();
  let sut: SystemUnderTest;
  let receiverUrl: string;
  /** Path → the execution id the receiver fails twice. */
  const firstExecutions = new Map<string, string>();
  /** Every step published to workflow.executions, by execution id. */
  const results = new Map<string, WorkflowExecuted[]>();
  let resultsConsumer: Consumer;
  const run = randomUUID().slice(0, 8);
  const tenantId = `ordering-${run}`;

  beforeAll(async () => {
    receiverUrl = await receiver.start();
    // /slow answers after 1.2 s: past the 300 ms a batch waits, within the 15 s attempt timeout.
    // On other paths, each path's first execution fails twice (retries 1 s apart), then succeeds.
    receiver.script = (request) => {
      if (request.path === '/slow') return { status: 200, delayMs: 1_200 };
      const id = request.headers['webhook-id'];
      if (id !== firstExecutions.get(request.path)) return undefined;
      const attempts = receiver.requests.filter((earlier) => earlier.headers['webhook-id'] === id).length;
      return attempts <= 2 ? { status: 503 } : undefined;
    };
    sut = await startSystemUnderTest({
      suite: 'delivery-scheduling',
      names: ['action-dispatcher'],
      env: {
        WEBHOOK_RETRY_SCHEDULE: '1s,1s,1s',
        WEBHOOK_CIRCUIT_FAILURE_THRESHOLD: '100',
        WEBHOOK_INLINE_WAIT_MS: '300',
      },
    });
    resultsConsumer = sut.kafka.consumer({ groupId: `e2e-delivery-scheduling-${run}` });
    await resultsConsumer.connect();
    await resultsConsumer.subscribe({ topic: Topics.workflowExecutions.name, fromBeginning: true });
    await resultsConsumer.run({
      eachMessage: async ({ message }) => {
        const result = JSON.parse(message.value?.toString('utf8') ?? 'null') as WorkflowExecuted | null;
        if (result?.tenantId !== tenantId) return;
        results.set(result.executionId, [...(results.get(result.executionId) ?? []), result]);
      },
    });
  });

  afterAll(async () => {
    await resultsConsumer?.disconnect();
    await sut?.stop();
    await receiver.stop();
  });

  const workflow = (path: string, ordering?: 'conversation'): WorkflowDefinition => ({
    id: randomUUID(),
    tenantId,
    name: `ordering ${path}`,
    version: 1,
    status: 'enabled',
    trigger: { type: 'intent', phrases: ['I want to cancel'] },
    action: { type: 'webhook', url: `${receiverUrl}${path}`, ...(ordering ? { ordering } : {}) },
    firing: { mode: 'every_time' },
    signingSecret: `whsec_${Buffer.from(randomUUID()).toString('base64')}`,
    updatedAt: new Date().toISOString(),
  });

  const trigger = (definition: WorkflowDefinition, conversationId: string, index: number): WorkflowTriggered => {
    const time = new Date(Date.now() + index).toISOString();
    return {
      triggerId: `${definition.id}-${conversationId}-${index}`,
      tenantId,
      conversationId,
      workflow: { id: definition.id, version: definition.version, name: definition.name },
      event: { id: `evt-${run}-${index}`, source: '/e2e', type: 'conversation.message.created', time },
      message: { id: `msg-${index}`, role: 'contact', text: 'I want to cancel' },
      contact: { id: `contact-${conversationId}` },
      transcript: [{ role: 'contact', text: 'I want to cancel', time }],
      match: { type: 'intent', score: 1, threshold: 0.8, phrase: 'I want to cancel' },
      firedAt: time,
    };
  };

  async function publish(definition: WorkflowDefinition): Promise<void> {
    const url = sut.services.url('action-dispatcher');
    const loaded = (await workflowDefinitionsLoaded(url)) ?? 0;
    await sendChunked(sut.producer, [jsonRecord(Topics.workflowDefinitions.name, definition.id, definition)]);
    await waitFor('the definition to reach action-dispatcher', async () =>
      ((await workflowDefinitionsLoaded(url)) ?? 0) > loaded ? true : undefined,
    );
  }

  /** Publishes two triggers of one conversation (the first is the one that fails twice) and one of another. */
  async function deliver(path: string, ordering?: 'conversation') {
    const definition = workflow(path, ordering);
    await publish(definition);
    const conversation = `conv-${run}${path.replace('/', '-')}`;
    const [first, second, other] = [
      trigger(definition, conversation, 1),
      trigger(definition, conversation, 2),
      trigger(definition, `${conversation}-other`, 3),
    ];
    firstExecutions.set(path, executionIdOf(first.triggerId));
    await sendChunked(
      sut.producer,
      [first, second, other].map((t) => jsonRecord(Topics.workflowTriggers.name, t.conversationId, t)),
    );
    const ids = [first, second, other].map((t) => executionIdOf(t.triggerId));
    const deliveries = await waitFor(
      `the deliveries to ${path}`,
      () => {
        const onPath = receiver.requests.filter((request) => request.path === path);
        // The first execution's third attempt succeeds; each of the two others is made once.
        return onPath.length >= 5 ? onPath : undefined;
      },
      30_000,
    );
    const attemptsOf = (id: string): ReceivedRequest[] =>
      deliveries.filter((request) => request.headers['webhook-id'] === id);
    return { first: attemptsOf(ids[0]!), second: attemptsOf(ids[1]!), other: attemptsOf(ids[2]!) };
  }

  it('makes a first attempt that outlasts its batch’s wait once, and records it', async () => {
    const definition = workflow('/slow');
    await publish(definition);
    const slow = trigger(definition, `conv-${run}-slow`, 1);
    await sendChunked(sut.producer, [jsonRecord(Topics.workflowTriggers.name, slow.conversationId, slow)]);
    const executionId = executionIdOf(slow.triggerId);
    const [recorded] = await waitFor('the slow execution’s result', () => results.get(executionId));
    expect(recorded).toMatchObject({ status: 'succeeded', attempts: [{ number: 1, statusCode: 200 }] });
    // Written to the schedule while in flight, it is not attempted a second time from there.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(receiver.requests.filter((request) => request.headers['webhook-id'] === executionId)).toHaveLength(1);
    expect(results.get(executionId)).toHaveLength(1);
  });

  it('holds a conversation’s later delivery until the earlier one succeeded, and nobody else', async () => {
    const { first, second, other } = await deliver('/ordered', 'conversation');
    expect(first).toHaveLength(3);
    expect(second).toHaveLength(1);
    const firstSucceededAt = first[2]!.receivedAt;
    expect(second[0]!.receivedAt).toBeGreaterThanOrEqual(firstSucceededAt);
    // Another conversation of the same workflow does not wait for the retries (≥ 2 s of them).
    expect(other).toHaveLength(1);
    expect(other[0]!.receivedAt).toBeLessThan(firstSucceededAt);
  });

  it('without ordering, a later delivery does not wait for an earlier one’s retries', async () => {
    const { first, second } = await deliver('/unordered');
    expect(first).toHaveLength(3);
    expect(second).toHaveLength(1);
    expect(second[0]!.receivedAt).toBeLessThan(first[2]!.receivedAt);
  });
});
