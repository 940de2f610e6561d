import { randomUUID } from 'node:crypto';
import {
  Topics,
  type ExecutionListView,
  type ExecutionStatsView,
  type SeriesView,
  type SignalApplied,
  type TopView,
  type BreakdownView,
  type WorkflowExecuted,
} from '@app/contracts';
import { DeadLetterHeaders, partitionOfKey, type Consumer } from '@app/kafka';
import type { RunningServices } from '@app/infra';
import {
  conversationEndedEvent,
  messageCreatedEvent,
  readMetric,
  startSystemUnderTest,
  waitFor,
  type SystemUnderTest,
} from '@app/testing';

const MINUTE_MS = 60_000;
/** Two hours: events up to two hours late are counted; the test's "too late" ones are three hours late. */
const GRACE_SECONDS = 7_200;

/**
 * History and analytics end to end, every hop real (all six services as processes, Kafka,
 * Postgres): a conversation that ends applies a workflow's signals, which show up in the analyst
 * API's trends beside the detected intents and triggered workflows, and in the execution log;
 * late and duplicated records; each of signal-aggregator and history killed (SIGKILL) and
 * restarted in the middle of a stream, with no count lost or doubled; and every bad query
 * answered 400 naming its field.
 */
describe('history and analytics', () => {
  let system: SystemUnderTest;
  let services: RunningServices;
  let dlqReader: Consumer;
  /** Dead letters of conversation.signals: the reason code and the signal. */
  const signalDeadLetters: { reason: string; name: string; signalId: string }[] = [];

  beforeAll(async () => {
    system = await startSystemUnderTest({
      suite: 'analytics',
      env: { AGGREGATION_GRACE_SECONDS: String(GRACE_SECONDS) },
    });
    services = system.services;
    dlqReader = system.kafka.consumer({ groupId: `e2e-analytics-dlq-${randomUUID()}` });
    await dlqReader.connect();
    await dlqReader.subscribe({ topics: [`${Topics.conversationSignals.name}.dlq`], fromBeginning: true });
    await dlqReader.run({
      eachMessage: async ({ message }) => {
        try {
          const value = JSON.parse(message.value?.toString() ?? 'null') as { name?: string; signalId?: string };
          const reason = message.headers?.[DeadLetterHeaders.reasonCode]?.toString() ?? '';
          signalDeadLetters.push({ reason, name: value?.name ?? '', signalId: value?.signalId ?? '' });
        } catch {
          // Other suites' malformed records: not ours.
        }
      },
    });
  }, 240_000);

  afterAll(async () => {
    await dlqReader?.disconnect();
    await system?.stop();
  });

  async function get(tenantId: string, service: 'history' | 'signal-aggregator', path: string) {
    const response = await fetch(`${services.url(service)}${path}`, { headers: await system.tenantHeaders(tenantId) });
    return { status: response.status, type: response.headers.get('content-type') ?? '', text: await response.text() };
  }

  async function getJson<T>(tenantId: string, service: 'history' | 'signal-aggregator', path: string): Promise<T> {
    const response = await get(tenantId, service, path);
    if (response.status !== 200) throw new Error(`${path} answered ${response.status}: ${response.text}`);
    return JSON.parse(response.text) as T;
  }

  async function publish(topic: string, records: { key: string; value: unknown }[]): Promise<void> {
    await system.producer.send({
      topic,
      acks: -1,
      messages: records.map((record) => ({ key: record.key, value: JSON.stringify(record.value) })),
    });
  }

  const iso = (ms: number) => new Date(ms).toISOString();
  const query = (params: Record<string, string | number>) =>
    new URLSearchParams(
      Object.entries(params).map(([key, value]): [string, string] => [key, String(value)]),
    ).toString();

  it('a conversation ends → its signals, intents and triggers are aggregated and trend, and the execution is logged', async () => {
    const tenantId = `tenant-${randomUUID().slice(0, 8)}`;
    const definitions = (service: 'trigger-matcher' | 'action-dispatcher') =>
      readMetric(services.url(service), 'aw_materialized_view_entries', { view: 'workflow-definitions' });
    const before = {
      matcher: (await definitions('trigger-matcher')) ?? 0,
      dispatcher: (await definitions('action-dispatcher')) ?? 0,
    };
    const response = await fetch(`${services.url('api')}/v1/workflows`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await system.tenantHeaders(tenantId)) },
      body: JSON.stringify({
        name: 'wrap-up',
        trigger: { type: 'conversation_end' },
        action: { type: 'tag', signals: [{ name: 'resolved' }, { name: 'csat_asked', value: true }] },
      }),
    });
    expect(response.status).toBe(201);
    const workflow = (await response.json()) as { id: string };
    await waitFor('the workflow in trigger-matcher and action-dispatcher', async () =>
      ((await definitions('trigger-matcher')) ?? 0) > before.matcher &&
      ((await definitions('action-dispatcher')) ?? 0) > before.dispatcher
        ? true
        : undefined,
    );
    const now = Date.now();
    const conversations = [`conv-${randomUUID()}`, `conv-${randomUUID()}`];
    for (const conversationId of conversations) {
      const message = messageCreatedEvent(tenantId, conversationId, 'I want to cancel my subscription');
      message.data.ai = { intent: 'cancel_subscription', confidence: 0.9 };
      const ended = conversationEndedEvent(tenantId, conversationId, {
        reason: 'resolved',
        contact: { id: `contact-${conversationId}` },
      });
      await publish(Topics.conversationEvents.name, [
        { key: conversationId, value: message },
        { key: conversationId, value: ended },
      ]);
    }
    // The previous period had one `resolved`, applied 45 minutes ago (late, but within the grace period).
    await publish(Topics.conversationSignals.name, [
      {
        key: 'conv-earlier',
        value: {
          signalId: randomUUID(),
          tenantId,
          conversationId: 'conv-earlier',
          name: 'resolved',
          time: iso(now - 45 * MINUTE_MS),
        } satisfies SignalApplied,
      },
    ]);

    const period = { from: iso(now - 30 * MINUTE_MS), to: iso(now + 5 * MINUTE_MS) };
    const top = await waitFor(
      'the resolved trend',
      async () => {
        const view = await getJson<TopView>(
          tenantId,
          'signal-aggregator',
          `/v1/analytics/top?${query({ kind: 'signal', ...period })}`,
        );
        const resolved = view.items.find((item) => item.name === 'resolved');
        return resolved?.count === 2 && resolved.previousCount === 1 ? view : undefined;
      },
      60_000,
    );
    expect(top.items).toEqual([
      { name: 'csat_asked', count: 2, previousCount: 0, change: 2, changeRatio: null },
      { name: 'resolved', count: 2, previousCount: 1, change: 1, changeRatio: 1 },
    ]);
    const intents = await waitFor('the detected intents', async () => {
      const view = await getJson<TopView>(
        tenantId,
        'signal-aggregator',
        `/v1/analytics/top?${query({ kind: 'intent', ...period })}`,
      );
      return view.items.length > 0 ? view.items : undefined;
    });
    expect(intents).toEqual([
      { name: 'cancel_subscription', count: 2, previousCount: 0, change: 2, changeRatio: null },
    ]);
    const triggers = await getJson<SeriesView>(
      tenantId,
      'signal-aggregator',
      `/v1/analytics/series?${query({ kind: 'workflow_trigger', name: workflow.id, granularity: 'minute', ...period })}`,
    );
    // Windows that start in [from, to): 35 minutes.
    expect(triggers.points).toHaveLength(35);
    expect(triggers.points.reduce((sum, point) => sum + point.count, 0)).toBe(2);
    const breakdown = await getJson<BreakdownView>(
      tenantId,
      'signal-aggregator',
      `/v1/analytics/breakdown?${query({ name: 'resolved', from: iso(now - 60 * MINUTE_MS), to: period.to })}`,
    );
    expect(breakdown.items).toEqual([
      { workflowId: workflow.id, count: 2 },
      { workflowId: null, count: 1 },
    ]);
    const csv = await get(
      tenantId,
      'signal-aggregator',
      `/v1/analytics/top?${query({ kind: 'signal', format: 'csv', ...period })}`,
    );
    expect(csv.type).toMatch(/^text\/csv/);
    expect(csv.text).toBe('name,count,previous_count,change,change_ratio\ncsat_asked,2,0,2,\nresolved,2,1,1,1\n');

    // The execution log: one succeeded tag execution per conversation, found by conversation and contact.
    const executions = await waitFor('both executions in history', async () => {
      const view = await getJson<ExecutionListView>(
        tenantId,
        'history',
        `/v1/executions?${query({ workflowId: workflow.id, status: 'succeeded' })}`,
      );
      return view.items.length === 2 ? view.items : undefined;
    });
    expect(executions.map((execution) => execution.actionType)).toEqual(['tag', 'tag']);
    const [first] = conversations;
    const byConversation = await getJson<ExecutionListView>(
      tenantId,
      'history',
      `/v1/executions?conversationId=${first}`,
    );
    expect(byConversation.items.map((execution) => execution.conversationId)).toEqual([first]);
    const byContact = await getJson<ExecutionListView>(
      tenantId,
      'history',
      `/v1/executions?contactId=contact-${first}`,
    );
    expect(byContact.items.map((execution) => execution.contactId)).toEqual([`contact-${first}`]);
    const stats = await getJson<ExecutionStatsView>(
      tenantId,
      'history',
      `/v1/workflows/${workflow.id}/stats?${query(period)}`,
    );
    expect(stats).toMatchObject({
      executions: 2,
      succeeded: 2,
      failed: 0,
      successRate: 1,
      errorsByCause: [],
      retries: 0,
    });
  });

  it('leaves preview conversations out: intents after the event that marked it, its firings, signals and outcomes', async () => {
    const tenantId = `tenant-${randomUUID().slice(0, 8)}`;
    const workflow = await system.createWorkflow(tenantId, {
      name: 'wrap-up',
      trigger: { type: 'conversation_end' },
      action: { type: 'tag', signals: [{ name: 'resolved' }] },
    });
    // Two conversations on one partition of every topic (all are keyed by conversation id): once the
    // second one's records are counted, the first one's, earlier on the same partitions, were seen.
    const admin = system.kafka.admin();
    await admin.connect();
    const [{ partitions }] = (await admin.fetchTopicMetadata({ topics: [Topics.conversationEvents.name] })).topics;
    await admin.disconnect();
    const previewConversation = `conv-preview-${randomUUID()}`;
    let conversation = `conv-${randomUUID()}`;
    while (partitionOfKey(conversation, partitions.length) !== partitionOfKey(previewConversation, partitions.length)) {
      conversation = `conv-${randomUUID()}`;
    }
    const now = Date.now();
    for (const conversationId of [previewConversation, conversation]) {
      // Only the first event of the preview conversation says so.
      const opening = messageCreatedEvent(tenantId, conversationId, 'hello');
      if (conversationId === previewConversation) opening.data.preview = true;
      const asking = messageCreatedEvent(tenantId, conversationId, 'I want to cancel my subscription');
      asking.data.ai = { intent: 'cancel_subscription', confidence: 0.9 };
      const ended = conversationEndedEvent(tenantId, conversationId, { contact: { id: `contact-${conversationId}` } });
      await publish(
        Topics.conversationEvents.name,
        [opening, asking, ended].map((value) => ({ key: conversationId, value })),
      );
    }

    // Both conversations ran the workflow (a preview conversation runs enabled workflows too)...
    const executions = await waitFor('both executions in history', async () => {
      const view = await getJson<ExecutionListView>(tenantId, 'history', `/v1/executions?workflowId=${workflow.id}`);
      return view.items.length === 2 ? view.items : undefined;
    });
    expect(executions.map((execution) => execution.conversationId).sort()).toEqual(
      [conversation, previewConversation].sort(),
    );
    // ...and only the other one is counted, in every kind.
    const period = { from: iso(now - 30 * MINUTE_MS), to: iso(now + 5 * MINUTE_MS) };
    const counted = async (kind: string) =>
      (await getJson<TopView>(tenantId, 'signal-aggregator', `/v1/analytics/top?${query({ kind, ...period })}`)).items;
    const kinds = await waitFor('the other conversation counted in every kind', async () => {
      const all = {
        intent: await counted('intent'),
        signal: await counted('signal'),
        workflow_trigger: await counted('workflow_trigger'),
        workflow_execution: await counted('workflow_execution'),
      };
      return Object.values(all).every((items) => items.length > 0) ? all : undefined;
    });
    const countsOf = (items: TopView['items']) => items.map(({ name, count }) => ({ name, count }));
    expect({
      intent: countsOf(kinds.intent),
      signal: countsOf(kinds.signal),
      workflow_trigger: countsOf(kinds.workflow_trigger),
      workflow_execution: countsOf(kinds.workflow_execution),
    }).toEqual({
      intent: [{ name: 'cancel_subscription', count: 1 }],
      signal: [{ name: 'resolved', count: 1 }],
      workflow_trigger: [{ name: workflow.id, count: 1 }],
      workflow_execution: [{ name: `${workflow.id}:succeeded`, count: 1 }],
    });
  });

  it('counts late and duplicated signals once each, refuses the too late, across a crash of signal-aggregator', async () => {
    const tenantId = `tenant-${randomUUID().slice(0, 8)}`;
    const name = `load-${randomUUID().slice(0, 8)}`;
    const now = Date.now();
    const signal = (minutesAgo: number): SignalApplied => ({
      signalId: randomUUID(),
      tenantId,
      conversationId: `conv-${randomUUID()}`,
      name,
      time: iso(now - minutesAgo * MINUTE_MS),
    });
    // 400 signals over the last 10 minutes, 40 of them 90 minutes late (within grace), 15 three hours late (beyond).
    const onTime = Array.from({ length: 360 }, (_, index) => signal(index % 10));
    const late = Array.from({ length: 40 }, () => signal(90));
    const tooLate = Array.from({ length: 15 }, () => signal(180));
    const counted = [...onTime, ...late];
    // Every fourth signal is delivered twice, in another send.
    const stream = [...counted, ...tooLate].flatMap((value, index) => [value, ...(index % 4 === 0 ? [value] : [])]);
    const chunks = Array.from({ length: 20 }, (_, index) => stream.filter((__, i) => i % 20 === index));
    const send = (chunk: SignalApplied[]) =>
      publish(
        Topics.conversationSignals.name,
        chunk.map((value) => ({ key: value.conversationId, value })),
      );

    const total = async () => {
      const view = await getJson<SeriesView>(
        tenantId,
        'signal-aggregator',
        `/v1/analytics/series?${query({ kind: 'signal', name, granularity: 'minute', from: iso(now - 4 * 60 * MINUTE_MS), to: iso(now + MINUTE_MS) })}`,
      );
      return view.points.reduce((sum, point) => sum + point.count, 0);
    };
    for (const chunk of chunks.slice(0, 10)) await send(chunk);
    await waitFor('part of the stream counted', async () => ((await total()) > 0 ? true : undefined), 60_000);
    // A crash in the middle: some batches counted, some maybe counted without their offsets committed.
    expect(await services.kill('signal-aggregator', 'SIGKILL')).toBeNull();
    for (const chunk of chunks.slice(10)) await send(chunk);
    await services.start('signal-aggregator');
    await waitFor('every counted signal', async () => ((await total()) === counted.length ? true : undefined), 90_000);
    // Settled: nothing more arrives, nothing doubled.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await total()).toBe(counted.length);

    // Each minute has what was sent for it; the hour and day rollups agree.
    const minutes = await getJson<SeriesView>(
      tenantId,
      'signal-aggregator',
      `/v1/analytics/series?${query({ kind: 'signal', name, granularity: 'minute', from: iso(now - 4 * 60 * MINUTE_MS), to: iso(now + MINUTE_MS) })}`,
    );
    const expected = new Map<string, number>();
    for (const value of counted) {
      const minute = iso(Math.floor(Date.parse(value.time) / MINUTE_MS) * MINUTE_MS);
      expected.set(minute, (expected.get(minute) ?? 0) + 1);
    }
    expect(
      Object.fromEntries(
        minutes.points.filter((point) => point.count > 0).map((point) => [point.windowStart, point.count]),
      ),
    ).toEqual(Object.fromEntries(expected));
    const top = await getJson<TopView>(
      tenantId,
      'signal-aggregator',
      `/v1/analytics/top?${query({ kind: 'signal', from: iso(now - 4 * 60 * MINUTE_MS), to: iso(now + MINUTE_MS) })}`,
    );
    expect(top.items[0]).toMatchObject({ name, count: counted.length });

    // The too-late ones are dead letters with their reason, never counts. Dead letters are
    // at-least-once (a batch redone after the crash writes its dead letters again): every
    // delivery of a too-late signal is there, and nothing else.
    const tooLateDeliveries = stream.filter((value) => tooLate.includes(value)).length;
    const deadLetters = await waitFor('the too-late dead letters', () => {
      const ours = signalDeadLetters.filter((letter) => letter.name === name);
      return ours.length >= tooLateDeliveries ? ours : undefined;
    });
    expect(new Set(deadLetters.map((letter) => letter.signalId))).toEqual(
      new Set(tooLate.map((value) => value.signalId)),
    );
    expect(new Set(deadLetters.map((letter) => letter.reason))).toEqual(new Set(['too_late']));
  });

  it('logs every execution once across a crash of history, and pages through them without gaps or repeats', async () => {
    const tenantId = `tenant-${randomUUID().slice(0, 8)}`;
    const workflowId = randomUUID();
    const base = Date.now() - 10 * MINUTE_MS;
    const executions: WorkflowExecuted[] = Array.from({ length: 240 }, (_, index) => {
      const startedAt = iso(base + index * 1000);
      const failed = index % 10 === 0;
      return {
        executionId: randomUUID(),
        triggerId: randomUUID(),
        tenantId,
        conversationId: `conv-${index}`,
        workflowId,
        workflowVersion: 1,
        actionType: 'webhook',
        status: failed ? 'failed' : 'succeeded',
        attempts: failed
          ? [
              { number: 1, startedAt, durationMs: 5, statusCode: 503 },
              { number: 2, startedAt, durationMs: 5, statusCode: 503 },
            ]
          : [{ number: 1, startedAt, durationMs: 5, statusCode: 200 }],
        eventTime: startedAt,
        startedAt,
        finishedAt: startedAt,
        latencyMs: index + 1,
      };
    });
    const stream = executions.flatMap((value, index) => [value, ...(index % 5 === 0 ? [value] : [])]);
    const chunks = Array.from({ length: 12 }, (_, index) => stream.filter((__, i) => i % 12 === index));
    const send = (chunk: WorkflowExecuted[]) =>
      publish(
        Topics.workflowExecutions.name,
        chunk.map((value) => ({ key: value.conversationId, value })),
      );
    const listed = async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page: ExecutionListView = await getJson(
          tenantId,
          'history',
          `/v1/executions?${query({ workflowId, limit: 50, ...(cursor ? { cursor } : {}) })}`,
        );
        seen.push(...page.items.map((item) => item.executionId));
        cursor = page.nextCursor;
      } while (cursor);
      return seen;
    };

    for (const chunk of chunks.slice(0, 6)) await send(chunk);
    await waitFor('part of the stream logged', async () => ((await listed()).length > 0 ? true : undefined), 60_000);
    expect(await services.kill('history', 'SIGKILL')).toBeNull();
    for (const chunk of chunks.slice(6)) await send(chunk);
    await services.start('history');
    const seen = await waitFor(
      'every execution',
      async () => {
        const ids = await listed();
        return ids.length === executions.length ? ids : undefined;
      },
      90_000,
    );
    expect(new Set(seen).size).toBe(executions.length);
    // Newest first.
    expect(seen).toEqual([...executions].reverse().map((execution) => execution.executionId));

    const stats = await getJson<ExecutionStatsView>(
      tenantId,
      'history',
      `/v1/workflows/${workflowId}/stats?${query({ from: iso(base - MINUTE_MS), to: iso(Date.now() + MINUTE_MS) })}`,
    );
    expect(stats).toMatchObject({
      executions: 240,
      succeeded: 216,
      failed: 24,
      successRate: 0.9,
      errorsByCause: [{ cause: 'http_503', count: 24, rate: 0.1 }],
      retries: 24,
      retriedExecutions: 24,
    });
    expect(stats.latencyMs!.p50).toBeCloseTo(120.5, 5);

    // signal-aggregator counted the same outcomes once each.
    const outcomes = await waitFor('the outcomes in the aggregates', async () => {
      const counts: Record<string, number> = {};
      for (const status of ['succeeded', 'failed']) {
        const view = await getJson<SeriesView>(
          tenantId,
          'signal-aggregator',
          `/v1/analytics/series?${query({ kind: 'workflow_execution', name: `${workflowId}:${status}`, granularity: 'hour', from: iso(base - 60 * MINUTE_MS), to: iso(Date.now() + 60 * MINUTE_MS) })}`,
        );
        counts[status] = view.points.reduce((sum, point) => sum + point.count, 0);
      }
      return counts.succeeded === 216 && counts.failed === 24 ? counts : undefined;
    });
    expect(outcomes).toEqual({ succeeded: 216, failed: 24 });
  });

  it('answers every bad query with 400 naming each bad field', async () => {
    const tenantId = `tenant-${randomUUID().slice(0, 8)}`;
    const fieldsOf = async (service: 'history' | 'signal-aggregator', path: string) => {
      const response = await get(tenantId, service, path);
      expect(response.status).toBe(400);
      const body = JSON.parse(response.text) as { error: string; issues: { field: string; reason: string }[] };
      expect(body.error).toBe('invalid_query');
      for (const issue of body.issues) expect(issue.reason.length).toBeGreaterThan(0);
      return body.issues.map((issue) => issue.field).sort();
    };
    const workflowId = randomUUID();
    expect(
      await fieldsOf('history', '/v1/executions?status=exploded&limit=0&from=yesterday&cursor=bogus&workflowId=42'),
    ).toEqual(['query:cursor', 'query:from', 'query:limit', 'query:status', 'query:workflowId']);
    expect(await fieldsOf('history', `/v1/executions?from=2026-11-24T10:00:00Z&to=2026-11-24T09:00:00Z`)).toEqual([
      'query:to',
    ]);
    expect(await fieldsOf('history', `/v1/workflows/${workflowId}/executions?limit=501`)).toEqual(['query:limit']);
    expect(await fieldsOf('history', `/v1/workflows/${workflowId}/stats?from=2026-11-24&to=2026-11-23`)).toEqual([
      'query:to',
    ]);
    expect(await fieldsOf('signal-aggregator', '/v1/analytics/series')).toEqual(['query:kind', 'query:name']);
    expect(
      await fieldsOf(
        'signal-aggregator',
        '/v1/analytics/series?kind=signal&name=x&granularity=minute&from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&format=xml',
      ),
    ).toEqual(['query:format', 'query:granularity']);
    expect(await fieldsOf('signal-aggregator', '/v1/analytics/series?kind=signals&name=x&granularity=week')).toEqual([
      'query:granularity',
      'query:kind',
    ]);
    expect(await fieldsOf('signal-aggregator', '/v1/analytics/top?kind=intent&limit=1000&to=soon')).toEqual([
      'query:limit',
      'query:to',
    ]);
    expect(await fieldsOf('signal-aggregator', '/v1/analytics/breakdown?kind=intent')).toEqual([
      'query:kind',
      'query:name',
    ]);
    expect(await fieldsOf('signal-aggregator', '/v1/aggregates?series=nope')).toEqual(['query:series']);
  });
});
