import type { Kafka } from 'kafkajs';
import pino from 'pino';
import { loadConfig } from '@app/config';
import { Topics, pendingDeliveryValidator, type PendingDelivery, type WorkflowDefinition } from '@app/contracts';
import { testDeliveryTrigger } from '@app/domain';
import type { ReadinessRegistry } from '@app/health';
import type { DisabledEndpoints, WorkflowDefinitions } from '@app/platform';
import { endpointsDisabled } from '@app/metrics';
import { WebhookReceiver } from '@app/testing';
import { ActionDispatcherEnvSchema } from '../config';
import { DeliveryScheduler, type EndpointFailures } from './delivery-scheduler';

const workflowId = '00000000-0000-4000-8000-0000000000aa';
const executionId = '22222222-2222-4222-8222-222222222222';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Written {
  topic: string;
  key: string;
  value: string | null;
}

/**
 * The schedule's races, on a Kafka of its own making: the consumer hands over the records the
 * test gives it, and each transaction commits (into `committed`) or fails as the test says. The
 * HTTP side is a real loopback receiver.
 */
function scheduleOn(receiverUrl: string, transactionFails: () => boolean, endpointFailingSince?: string) {
  const committed: Written[] = [];
  const listeners = new Map<string, (event: { payload: unknown }) => void>();
  let eachMessage: ((payload: unknown) => Promise<void>) | undefined;
  const consumer = {
    events: { CRASH: 'crash', GROUP_JOIN: 'join', END_BATCH_PROCESS: 'end', REBALANCING: 'rebalancing' },
    on: (event: string, listener: (event: { payload: unknown }) => void) => {
      listeners.set(event, listener);
      return () => undefined;
    },
    connect: async () => undefined,
    subscribe: async () => undefined,
    run: async (options: { eachMessage: (payload: unknown) => Promise<void> }) =>
      void (eachMessage = options.eachMessage),
    disconnect: async () => undefined,
  };
  const producer = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    transaction: async () => {
      const batch: Written[] = [];
      return {
        sendBatch: async ({ topicMessages }: { topicMessages: { topic: string; messages: Written[] }[] }) => {
          for (const { topic, messages } of topicMessages) {
            for (const { key, value } of messages)
              batch.push({ topic, key: String(key), value: value && String(value) });
          }
          return [];
        },
        commit: async () => {
          if (transactionFails()) throw new Error('broker not available');
          committed.push(...batch);
        },
        abort: async () => undefined,
      };
    },
  };
  const admin = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    fetchTopicOffsets: async () => [{ partition: 0, high: '0', low: '0' }],
  };
  const kafka = { consumer: () => consumer, producer: () => producer, admin: () => admin } as unknown as Kafka;
  const definition = {
    id: workflowId,
    tenantId: 'acme',
    name: 'Cancel',
    version: 1,
    status: 'enabled',
    trigger: { type: 'ai_request' },
    action: { type: 'webhook', url: `${receiverUrl}/hooks/cancel` },
    firing: { mode: 'once_per_conversation' },
    signingSecret: 'whsec_c2VjcmV0c2VjcmV0c2VjcmV0',
    updatedAt: '2026-12-07T09:00:00.000Z',
  } as WorkflowDefinition;
  const viewOfMap = () => {
    const entries = new Map<string, unknown>();
    return { get: (key: string) => entries.get(key), set: (key: string, value: unknown) => entries.set(key, value) };
  };
  const endpointFailures = viewOfMap();
  if (endpointFailingSince) {
    endpointFailures.set(workflowId, { workflowId, tenantId: 'acme', failingSince: endpointFailingSince });
  }
  const scheduler = new DeliveryScheduler(
    kafka,
    { get: (id: string) => (id === workflowId ? definition : undefined) } as WorkflowDefinitions,
    viewOfMap() as unknown as DisabledEndpoints,
    endpointFailures as unknown as EndpointFailures,
    loadConfig(ActionDispatcherEnvSchema, { OUTBOUND_ALLOWED_CIDRS: '127.0.0.0/8', INSTANCE_ID: 'unit' }),
    pino({ level: 'silent' }),
    { register: () => undefined } as unknown as ReadinessRegistry,
  );
  const now = new Date();
  const pending: PendingDelivery = {
    executionId,
    trigger: testDeliveryTrigger(definition, {}, '11111111-1111-4111-8111-111111111111', now),
    attempts: [],
    dueAt: now.toISOString(),
    startedAt: now.toISOString(),
  } as PendingDelivery;
  return {
    scheduler,
    /** The workflow as the definitions view holds it: a test may change it, as a new version would. */
    definition,
    committed,
    /** A consumer event (kafkajs' `consumer.events`), as the group coordinator would cause it. */
    emit: (event: 'rebalancing' | 'join' | 'crash', payload: object) => listeners.get(event)!({ payload }),
    /** Joins the group with partition 0 of the schedule, which is empty. */
    join: async () => {
      await scheduler.onModuleInit();
      listeners.get('join')!({ payload: { memberAssignment: { [Topics.pendingDeliveries.name]: [0] } } });
      await sleep(50);
    },
    /** Waits (at most 5 s) until `count` records are committed. */
    committedAtLeast: async (count: number) => {
      for (let waited = 0; committed.length < count && waited < 5_000; waited += 100) await sleep(100);
    },
    /** The statuses of the execution results committed so far. */
    resultStatuses: () =>
      committed
        .filter((record) => record.topic === Topics.workflowExecutions.name)
        .map((record) => (JSON.parse(record.value!) as { status: string }).status),
    /** The consumer reads a record of the schedule's partition 0: an execution's state, or its tombstone. */
    read: (value: PendingDelivery | null, key = executionId) =>
      eachMessage!({
        partition: 0,
        message: { key: Buffer.from(key), value: value && Buffer.from(JSON.stringify(value)) },
      }),
    pending,
  };
}

/** Joins, reads the schedule's pending execution, waits for its first records, then runs `then`; always shuts down. */
async function afterFirstStep(
  schedule: ReturnType<typeof scheduleOn>,
  then: () => Promise<void> | void,
): Promise<void> {
  try {
    await schedule.join();
    await schedule.read(schedule.pending);
    await schedule.committedAtLeast(1);
    await then();
  } finally {
    await schedule.scheduler.onApplicationShutdown();
  }
}

describe('DeliveryScheduler', () => {
  const receiver = new WebhookReceiver();
  let url: string;

  beforeAll(async () => {
    url = await receiver.start();
  });
  beforeEach(() => receiver.requests.splice(0));
  afterAll(() => receiver.stop());

  it('writes a step again when its transaction fails, without calling the endpoint again', async () => {
    receiver.script = () => ({ status: 200 });
    let transactions = 0;
    const schedule = scheduleOn(url, () => ++transactions === 1);
    await afterFirstStep(schedule, () => {
      expect(transactions).toBe(2);
      expect(receiver.requests).toHaveLength(1);
      expect(schedule.resultStatuses()).toEqual(['succeeded']);
      expect(schedule.committed).toContainEqual({
        topic: Topics.pendingDeliveries.name,
        key: executionId,
        value: null,
      });
    });
  });

  it('fails an execution whose saved URL cannot be parsed, once, instead of trying it again and again', async () => {
    // Saved before URLs were checked as strictly: the port is out of range.
    const schedule = scheduleOn('http://127.0.0.1:99999', () => false);
    await afterFirstStep(schedule, async () => {
      await sleep(300);
      expect(schedule.resultStatuses()).toEqual(['failed']);
      expect(schedule.committed).toContainEqual({
        topic: Topics.pendingDeliveries.name,
        key: executionId,
        value: null,
      });
    });
  });

  it('retries a status beyond 599 as an error, keeping the schedule readable', async () => {
    receiver.script = () => ({ status: 999 });
    const schedule = scheduleOn(url, () => false);
    await afterFirstStep(schedule, () => {
      expect(schedule.resultStatuses()).toEqual(['retrying']);
      const next = schedule.committed.find(
        (record) => record.topic === Topics.pendingDeliveries.name && record.value !== null,
      );
      expect(pendingDeliveryValidator.parse(JSON.parse(next!.value!)).attempts).toEqual([
        expect.objectContaining({ error: 'invalid HTTP status 999' }),
      ]);
    });
  });

  it('holds a workflow back for a Retry-After only while it calls the URL that asked', async () => {
    receiver.script = (request) =>
      request.path === '/hooks/cancel' ? { status: 429, headers: { 'retry-after': '3600' } } : { status: 200 };
    const schedule = scheduleOn(url, () => false);
    await afterFirstStep(schedule, async () => {
      expect(schedule.resultStatuses()).toEqual(['retrying']);
      // The author moves the workflow to another URL: its new executions are not held for an hour.
      Object.assign(schedule.definition, { version: 2, action: { type: 'webhook', url: `${url}/hooks/moved` } });
      const moved = '44444444-4444-4444-8444-444444444444';
      await schedule.read({ ...schedule.pending, executionId: moved }, moved);
      for (let waited = 0; schedule.resultStatuses().length < 2 && waited < 5_000; waited += 100) await sleep(100);
      expect(receiver.requests.map((request) => request.path)).toEqual(['/hooks/cancel', '/hooks/moved']);
      expect(schedule.resultStatuses()).toEqual(['retrying', 'succeeded']);
    });
  });

  it("sends the fallback when a success answers none of the reply's fields, unless it went out at the first failure", async () => {
    receiver.script = () => ({ status: 200, body: '{}' });
    const replies = async (earlierAttempts: PendingDelivery['attempts']) => {
      const schedule = scheduleOn(url, () => false);
      Object.assign(schedule.definition, {
        action: {
          ...schedule.definition.action,
          responseReply: { text: '{{response.order.status}}' },
          fallback: { message: { text: 'An agent will confirm.' }, when: 'first_failure' },
        },
      });
      schedule.pending.attempts = earlierAttempts;
      let texts: string[] = [];
      await afterFirstStep(schedule, () => {
        texts = schedule.committed
          .filter((record) => record.topic === Topics.conversationActions.name)
          .map((record) => (JSON.parse(record.value!) as { text: string }).text);
      });
      return texts;
    };
    expect(await replies([])).toEqual(['An agent will confirm.']);
    const failed = { number: 1, startedAt: new Date().toISOString(), durationMs: 3, statusCode: 503 };
    expect(await replies([failed])).toEqual([]);
  });

  it('does not put back an execution that another instance finished while this one attempted it', async () => {
    receiver.script = () => ({ status: 503, delayMs: 500 });
    const { scheduler, committed, join, read, pending } = scheduleOn(url, () => false);
    try {
      await join();
      await read(pending);
      await sleep(100);
      expect(receiver.requests).toHaveLength(1);
      // The partition's previous owner got a 2xx for its attempt and wrote the execution's tombstone.
      await read(null);
      await sleep(800);
      expect(committed).toEqual([]);
    } finally {
      await scheduler.onApplicationShutdown();
    }
  });

  it('counts an endpoint disabled once when attempts in flight together each meet a 410, naming its origin only', async () => {
    receiver.script = () => ({ status: 410, delayMs: 100 });
    const { scheduler, committed, committedAtLeast, join, read, pending } = scheduleOn(url, () => false);
    const disabledBefore = await disabledCount();
    try {
      await join();
      const other = '33333333-3333-4333-8333-333333333333';
      await Promise.all([read(pending), read({ ...pending, executionId: other }, other)]);
      await committedAtLeast(2);
      await sleep(200);
      expect(receiver.requests).toHaveLength(2);
      expect(await disabledCount()).toBe(disabledBefore + 1);
      const reasons = committed
        .filter((record) => record.topic === Topics.disabledEndpoints.name && record.value !== null)
        .map((record) => JSON.parse(record.value!).reason as string);
      expect(reasons.length).toBeGreaterThan(0);
      for (const reason of reasons) expect(reason).toBe(`${new URL(url).origin} answered 410 Gone`);
    } finally {
      await scheduler.onApplicationShutdown();
    }
  });

  it("does not count a failing streak that began before the workflow's current version (a fixed URL starts afresh)", async () => {
    receiver.script = () => ({ status: 500 });
    // Failing since long before version 1 was made (2026-12-07T09:00Z), beyond the disabling window.
    const { scheduler, committed, committedAtLeast, join, read, pending } = scheduleOn(
      url,
      () => false,
      '2026-01-01T00:00:00.000Z',
    );
    try {
      await join();
      await read(pending);
      await committedAtLeast(1);
      expect(committed.filter((record) => record.topic === Topics.disabledEndpoints.name)).toEqual([]);
      const streaks = committed.filter((record) => record.topic === Topics.endpointFailures.name);
      expect(streaks).toHaveLength(1);
      expect(Date.now() - Date.parse(JSON.parse(streaks[0]!.value!).failingSince)).toBeLessThan(10_000);
    } finally {
      await scheduler.onApplicationShutdown();
    }
  });

  it("records a replay whose execution's earlier tombstone is read again before the replay's own state", async () => {
    receiver.script = () => ({ status: 200, delayMs: 300 });
    const { scheduler, committedAtLeast, resultStatuses, join, read, pending } = scheduleOn(url, () => false);
    const replay = { ...pending, replay: 1 };
    try {
      await join();
      await read(replay);
      await sleep(50);
      // A partition read again from the start: the first series' tombstone, then the replay's state.
      await read(null);
      await read(replay);
      await committedAtLeast(1);
      await sleep(300);
      expect(receiver.requests).toHaveLength(1);
      expect(resultStatuses()).toEqual(['succeeded']);
    } finally {
      await scheduler.onApplicationShutdown();
    }
  });

  it('waits out a rebalance before recording a step, and records it when the partition stays its own', async () => {
    receiver.script = () => ({ status: 200, delayMs: 300 });
    const { scheduler, committed, committedAtLeast, resultStatuses, join, read, pending, emit } = scheduleOn(
      url,
      () => false,
    );
    try {
      await join();
      await read(pending);
      await sleep(50);
      emit('rebalancing', {});
      await sleep(600);
      expect(committed).toEqual([]);
      emit('join', { memberAssignment: { [Topics.pendingDeliveries.name]: [0] } });
      await committedAtLeast(1);
      expect(resultStatuses()).toEqual(['succeeded']);
      expect(receiver.requests).toHaveLength(1);
    } finally {
      await scheduler.onApplicationShutdown();
    }
  });

  it('drops the step when the rebalance gave the partition to another instance', async () => {
    receiver.script = () => ({ status: 200, delayMs: 300 });
    const { scheduler, committed, join, read, pending, emit } = scheduleOn(url, () => false);
    try {
      await join();
      await read(pending);
      await sleep(50);
      emit('rebalancing', {});
      emit('join', { memberAssignment: { [Topics.pendingDeliveries.name]: [] } });
      await sleep(600);
      expect(receiver.requests).toHaveLength(1);
      expect(committed).toEqual([]);
    } finally {
      await scheduler.onApplicationShutdown();
    }
  });
});

async function disabledCount(): Promise<number> {
  return (await endpointsDisabled.get()).values.reduce((sum, { value }) => sum + value, 0);
}
