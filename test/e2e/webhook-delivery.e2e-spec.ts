import { randomUUID } from 'node:crypto';
import type { Consumer, Producer } from '@app/kafka';
import { Webhook } from 'standardwebhooks';
import { Topics, type ContactMemoryView, type ExecutionView } from '@app/contracts';
import type { RunningServices } from '@app/infra';
import {
  WebhookReceiver,
  messageCreatedEvent,
  readMetric,
  waitFor,
  type ScriptedResponse,
  startSystemUnderTest,
  type SystemUnderTest,
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
  let system: SystemUnderTest;
  let producer: Producer;
  let reader: Consumer;
  /** Records of conversation.actions, conversation.signals and conversation.events, by topic. */
  const published = new Map<string, { key: string; value: Record<string, any> }[]>(); // eslint-disable-line @typescript-eslint/no-explicit-any
  const tenantId = `tenant-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    receiverUrl = await receiver.start();
    receiver.script = (request, earlier) => scripts.get(request.path)?.(earlier);
    system = await startSystemUnderTest({
      suite: 'delivery',
      names: ['api', 'ingest', 'trigger-matcher', 'action-dispatcher', 'history'],
      env: {
        WEBHOOK_RETRY_SCHEDULE: '1500ms,1500ms,1500ms',
        WEBHOOK_TIMEOUT_MS: '1000',
        WEBHOOK_CIRCUIT_FAILURE_THRESHOLD: '3',
        WEBHOOK_CIRCUIT_HALF_OPEN_AFTER_MS: '3000',
        WEBHOOK_MAX_PAYLOAD_BYTES: '65536',
      },
    });
    ({ services, producer } = system);
    const { kafka } = system;
    reader = kafka.consumer({ groupId: `e2e-delivery-reader-${randomUUID()}` });
    await reader.connect();
    await reader.subscribe({
      topics: [
        Topics.conversationActions.name,
        Topics.conversationSignals.name,
        Topics.conversationEvents.name,
        Topics.workflowNotifications.name,
      ],
      fromBeginning: true,
    });
    await reader.run({
      eachMessage: async ({ topic, message }) => {
        // conversation.events also holds other suites' deliberately malformed events: not ours.
        let value: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
        try {
          value = JSON.parse(message.value?.toString() ?? 'null');
        } catch {
          return;
        }
        const records = published.get(topic) ?? [];
        records.push({ key: message.key?.toString() ?? '', value });
        published.set(topic, records);
      },
    });
  }, 180_000);

  afterAll(async () => {
    await reader?.disconnect();
    await system?.stop();
    await receiver.stop();
  });

  /** A workflow firing on `phrase` whose webhook at `/hooks/<name>` answers per `script`. */
  async function workflowAnswering(
    name: string,
    script: (earlier: number) => ScriptedResponse,
    actionOptions: Record<string, unknown> = {},
  ) {
    scripts.set(`/hooks/${name}`, script);
    return createWorkflow(name, { type: 'webhook', url: `${receiverUrl}/hooks/${name}`, ...actionOptions });
  }

  /** A workflow firing on "please run <name>" (plus `trigger` fields such as conditions). */
  async function createWorkflow(name: string, action: unknown, trigger: Record<string, unknown> = {}) {
    return system.createWorkflow(tenantId, {
      name,
      trigger: { type: 'intent', phrases: [`please run ${name}`], ...trigger },
      action,
      firing: { mode: 'every_time' },
    });
  }

  async function fire(name: string, conversationId = `conv-${randomUUID()}`): Promise<string> {
    await say(conversationId, `please run ${name}`);
    return conversationId;
  }

  /** A contact message naming the contact (id, name and email), or `unnamed`, naming none. */
  async function say(conversationId: string, text: string, { unnamed = false } = {}): Promise<void> {
    const event = messageCreatedEvent(tenantId, conversationId, text);
    const { contact: _named, ...withoutContact } = event.data;
    await producer.send({
      topic: Topics.conversationEvents.name,
      acks: -1,
      messages: [{ key: conversationId, value: JSON.stringify(unnamed ? { ...event, data: withoutContact } : event) }],
    });
  }

  /** Records published to `topic` for the conversation, once there are at least `count`. */
  function publishedFor(topic: string, conversationId: string, count = 1) {
    return waitFor(`${count} record(s) on ${topic} for ${conversationId}`, () => {
      const records = (published.get(topic) ?? []).filter((record) => record.key === conversationId);
      return records.length >= count ? records.map((record) => record.value) : undefined;
    });
  }

  const hooks = (name: string) => receiver.requests.filter((request) => request.path === `/hooks/${name}`);

  async function executions(workflowId: string): Promise<ExecutionView[]> {
    const response = await fetch(`${services.url('history')}/v1/workflows/${workflowId}/executions`, {
      headers: await system.tenantHeaders(tenantId),
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
    // With a NUL character, which PostgreSQL refuses: history keeps it replaced.
    const rejected = await workflowAnswering('rejected', () => ({ status: 422, body: 'no such\u0000order' }));
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
    expect(rejectedRun).toMatchObject({ status: 'failed', attemptCount: 1, reason: 'HTTP 422: no such\uFFFDorder' });
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
    // The tenant is told, once, on workflow.notifications.
    const notifications = await waitFor('the endpoint.disabled notification', () => {
      const found = (published.get(Topics.workflowNotifications.name) ?? [])
        .filter((record) => record.key === tenantId && record.value.workflow?.id === gone.id)
        .map((record) => record.value);
      return found.length > 0 ? found : undefined;
    });
    expect(notifications).toEqual([
      {
        type: 'endpoint.disabled',
        id: expect.any(String),
        tenantId,
        workflow: { id: gone.id, version: gone.version, name: 'gone' },
        cause: 'gone',
        reason: expect.stringMatching(/answered 410 Gone$/),
        disabledAt: expect.any(String),
      },
    ]);
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

  it('cancel my order: the order API answers, and its answer becomes a reply on conversation.actions', async () => {
    const workflow = await workflowAnswering(
      'cancel-order',
      () => ({
        status: 200,
        // The refund's U+0000 (escaped in the JSON) reaches the reply replaced, like one in a raw body.
        body: JSON.stringify({ order: { id: 'A-17', status: 'cancelled' }, refund: '42.50\u0000EUR' }),
      }),
      {
        responseReply: {
          text: 'Done, {{contact.name}}: order {{response.order.id}} is {{response.order.status}}; {{response.refund}} will be refunded.',
          quickReplies: [{ label: 'Thanks' }],
        },
      },
    );
    const conversationId = await fire('cancel-order');
    const [reply] = await publishedFor(Topics.conversationActions.name, conversationId);
    expect(reply).toMatchObject({
      type: 'reply',
      purpose: 'response',
      workflowId: workflow.id,
      text: 'Done, Ada Lovelace: order A-17 is cancelled; 42.50\uFFFDEUR will be refunded.',
      quickReplies: [{ label: 'Thanks', value: 'Thanks' }],
    });
    expect(reply!.executionId).toBe(hooks('cancel-order')[0]!.headers['webhook-id']);

    // An answer without the fields the reply shows: the fallback, never the template's braces.
    await workflowAnswering('cancel-order-silent', () => ({ status: 200, body: '{}' }), {
      responseReply: { text: '{{response.order.status}}' },
      fallback: { message: { text: 'I could not confirm the cancellation; an agent will check.' } },
    });
    const silentConversation = await fire('cancel-order-silent');
    const [silentReply] = await publishedFor(Topics.conversationActions.name, silentConversation);
    expect(silentReply).toMatchObject({
      type: 'reply',
      purpose: 'fallback',
      text: 'I could not confirm the cancellation; an agent will check.',
    });
  });

  it('tells the contact a fallback message when the action fails: finally, or at once while retrying', async () => {
    await workflowAnswering('refused', () => ({ status: 422 }), {
      fallback: { message: { text: 'Sorry {{contact.name}}, that did not work; an agent will follow up.' } },
    });
    const down = await workflowAnswering('down', () => ({ status: 500 }), {
      fallback: { message: { text: 'This takes longer than usual.' }, when: 'first_failure' },
    });
    const refusedConversation = await fire('refused');
    const downConversation = await fire('down');
    const [refusedReply] = await publishedFor(Topics.conversationActions.name, refusedConversation);
    expect(refusedReply).toMatchObject({
      purpose: 'fallback',
      text: 'Sorry Ada Lovelace, that did not work; an agent will follow up.',
    });
    const [downReply] = await publishedFor(Topics.conversationActions.name, downConversation);
    expect(downReply).toMatchObject({ purpose: 'fallback', text: 'This takes longer than usual.' });
    // Sent while the retries were still going, and only once.
    expect(hooks('down').length).toBeLessThan(4);
    await finalExecution(down.id);
    const downReplies = (published.get(Topics.conversationActions.name) ?? []).filter(
      (record) => record.key === downConversation,
    );
    expect(downReplies).toHaveLength(1);
  });

  it('replies, tags, updates contact memory (which later workflows condition on) and escalates once the contact gave the number asked for', async () => {
    await createWorkflow('reply', {
      type: 'reply',
      message: {
        text: 'Hi {{contact.name}}, here is our policy.',
        links: [{ label: 'Policy', url: 'https://example.com/p' }],
      },
    });
    await createWorkflow('tag', { type: 'tag', signals: [{ name: 'churn_risk' }, { name: 'plan', value: 'pro' }] });
    await createWorkflow('remember', {
      type: 'update_memory',
      set: { cancellation_requested: true },
      clear: ['coupon'],
    });
    await createWorkflow(
      'conditional',
      { type: 'reply', message: { text: 'We saw you asked to cancel.' } },
      { conditions: { op: 'equals', attribute: 'cancellation_requested', value: true } },
    );
    await createWorkflow('escalate', {
      type: 'escalate',
      requireContact: { fields: ['phone'], prompt: { text: 'What number can an agent call you on?' } },
    });
    const conversationId = `conv-${randomUUID()}`;
    await fire('conditional', conversationId);
    await fire('reply', conversationId);
    await fire('tag', conversationId);
    await fire('remember', conversationId);
    await publishedFor(Topics.conversationEvents.name, conversationId, 5);
    await fire('conditional', conversationId);
    await fire('escalate', conversationId);
    const kinds = (records: Record<string, unknown>[]) =>
      records.map((action) => [action.type, action.purpose ?? null]);
    const beforeTheAnswer = [
      ['reply', 'reply'],
      ['tag', null],
      ['reply', 'reply'],
      ['reply', 'contact_request'],
    ];
    expect(kinds(await publishedFor(Topics.conversationActions.name, conversationId, 4))).toEqual(beforeTheAnswer);
    // The hand-off waits for the answer (up to requireContact.waitSeconds, 300 by default).
    await say(conversationId, 'Sure, it is +44 20 7946 0958.');
    const actions = await publishedFor(Topics.conversationActions.name, conversationId, 5);
    expect(kinds(actions)).toEqual([...beforeTheAnswer, ['escalate', null]]);
    expect(actions[0]).toMatchObject({
      text: 'Hi Ada Lovelace, here is our policy.',
      links: [{ label: 'Policy', url: 'https://example.com/p' }],
    });
    expect(actions[1]!.signals).toEqual([{ name: 'churn_risk' }, { name: 'plan', value: 'pro' }]);
    // Only the second "conditional" message fired: after the memory update.
    expect(actions[2]!.text).toBe('We saw you asked to cancel.');
    expect(actions[3]!.text).toBe('What number can an agent call you on?');
    expect(actions[4]).not.toHaveProperty('missingContactFields');
    expect(actions[4]).toMatchObject({
      reason: expect.stringContaining('escalate'),
      contact: { name: 'Ada Lovelace', email: 'ada@example.com', phone: '+442079460958' },
      context: {
        trigger: { type: 'intent', phrase: 'please run escalate' },
        message: { text: 'please run escalate' },
        // What "remember" taught the contact's memory: the agent sees it in the hand-off.
        memory: { cancellation_requested: true },
      },
    });
    expect(actions[4]!.transcript.map((entry: { text: string }) => entry.text)).toEqual(
      expect.arrayContaining(['please run tag', 'Sure, it is +44 20 7946 0958.']),
    );
    const signals = await publishedFor(Topics.conversationSignals.name, conversationId, 2);
    expect(signals.map((signal) => [signal.name, signal.value ?? null])).toEqual([
      ['churn_risk', null],
      ['plan', 'pro'],
    ]);
    const memoryUpdate = (await publishedFor(Topics.conversationEvents.name, conversationId, 5)).find(
      (event) => event.type === 'contact.memory.updated',
    );
    expect(memoryUpdate!.data.attributes).toEqual({ cancellation_requested: true, coupon: null });
  });

  it("forgets the contact's memory on a forgetContact action, then sets what it names", async () => {
    await createWorkflow('note-plan', { type: 'update_memory', set: { vip: true, plan: 'pro' } });
    await createWorkflow('forget-me', { type: 'update_memory', forgetContact: true, set: { erasure_requested: true } });
    const conversationId = await fire('note-plan');
    const contactId = `contact-${conversationId}`;
    const memoryOf = async () => {
      const response = await fetch(`${services.url('trigger-matcher')}/v1/contacts/${contactId}/memory`, {
        headers: await system.tenantHeaders(tenantId),
      });
      return ((await response.json()) as ContactMemoryView).attributes;
    };
    await waitFor('the plan in memory', async () => ((await memoryOf()).plan ? true : undefined));
    // Asked in a message that does not name the contact: the conversation knows them.
    await say(conversationId, 'please run forget-me', { unnamed: true });
    const forgotten = await waitFor('the memory forgotten', async () => {
      const attributes = await memoryOf();
      return attributes.erasure_requested ? attributes : undefined;
    });
    expect(Object.keys(forgotten)).toEqual(['erasure_requested']);
    const events = await publishedFor(Topics.conversationEvents.name, conversationId, 5);
    expect(events.map((event) => event.type).filter((type) => type.startsWith('contact.'))).toEqual([
      'contact.memory.updated',
      'contact.memory.cleared',
      'contact.memory.updated',
    ]);
  });

  it('hands an escalation off when its wait for the contact details is over, the fields still missing', async () => {
    await createWorkflow('handoff', {
      type: 'escalate',
      requireContact: { fields: ['phone'], prompt: { text: 'Your number?' }, waitSeconds: 2 },
    });
    const conversationId = await fire('handoff');
    const [asked] = await publishedFor(Topics.conversationActions.name, conversationId);
    expect(asked).toMatchObject({ type: 'reply', purpose: 'contact_request', text: 'Your number?' });
    // An answer without a number keeps it waiting.
    await say(conversationId, 'I would rather not say');
    const [, handOff] = await publishedFor(Topics.conversationActions.name, conversationId, 2);
    expect(handOff).toMatchObject({
      type: 'escalate',
      missingContactFields: ['phone'],
      contact: { name: 'Ada Lovelace', email: 'ada@example.com' },
      context: { trigger: { type: 'intent' }, message: { text: 'please run handoff' } },
    });
    // It waited for the answer: the hand-off went out about two seconds after the question.
    expect(Date.parse(handOff.createdAt) - Date.parse(asked.createdAt)).toBeGreaterThanOrEqual(1_000);
    expect(
      await readMetric(services.url('trigger-matcher'), 'aw_escalation_hand_offs_total', { outcome: 'timed_out' }),
    ).toBe(1);
  });

  it('does not ask for what the message that fired the escalation already gives', async () => {
    await system.createWorkflow(tenantId, {
      name: 'human',
      trigger: { type: 'ai_request' },
      action: {
        type: 'escalate',
        requireContact: { fields: ['phone'], prompt: { text: 'Your number?' }, phoneRegion: 'GB' },
      },
    });
    const conversationId = `conv-${randomUUID()}`;
    const event = messageCreatedEvent(tenantId, conversationId, 'I want a human, call me on 020 7946 0958');
    await producer.send({
      topic: Topics.conversationEvents.name,
      acks: -1,
      messages: [
        {
          key: conversationId,
          value: JSON.stringify({ ...event, data: { ...event.data, ai: { requestedWorkflow: 'human' } } }),
        },
      ],
    });
    const [handOff] = await publishedFor(Topics.conversationActions.name, conversationId);
    expect(handOff).toMatchObject({ type: 'escalate', contact: { name: 'Ada Lovelace', phone: '+442079460958' } });
    expect(handOff).not.toHaveProperty('missingContactFields');
  });

  it('does not ask for what earlier events of the conversation gave, nor for what the contact answered before', async () => {
    const askPhone = { fields: ['phone'], prompt: { text: 'Your number?' } };
    await createWorkflow('front-desk', { type: 'escalate', requireContact: askPhone });
    await createWorkflow('back-office', {
      type: 'escalate',
      requireContact: { ...askPhone, fields: ['email', 'phone'] },
    });
    // The first message names the contact with their email; the conversation's later ones name nobody.
    const conversationId = await fire('front-desk');
    await say(conversationId, 'it is +44 20 7946 0958', { unnamed: true });
    await say(conversationId, 'please run back-office', { unnamed: true });
    const actions = await publishedFor(Topics.conversationActions.name, conversationId, 3);
    expect(actions.map((action) => [action.type, action.purpose ?? null])).toEqual([
      ['reply', 'contact_request'],
      ['escalate', null],
      ['escalate', null],
    ]);
    const contact = { id: `contact-${conversationId}`, name: 'Ada Lovelace', email: 'ada@example.com' };
    expect(actions[1]).toMatchObject({ contact: { ...contact, phone: '+442079460958' } });
    expect(actions[2]).toMatchObject({
      contact: { ...contact, phone: '+442079460958' },
      context: { message: { text: 'please run back-office' } },
    });
    expect(actions[2]).not.toHaveProperty('missingContactFields');
  });

  it('signs with both secrets during a rotation overlap, and sends custom headers', async () => {
    const workflow = await workflowAnswering('rotated', () => ({ status: 200 }), {
      headers: { 'x-api-key': 'key-for-the-receiver' },
    });
    const rotation = await fetch(`${services.url('api')}/v1/workflows/${workflow.id}/signing-secret/rotate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await system.tenantHeaders(tenantId)) },
      body: JSON.stringify({ overlapSeconds: 3600 }),
    });
    expect(rotation.status).toBe(200);
    const rotated = (await rotation.json()) as { signingSecret: string; version: number };
    expect(rotated.signingSecret).toMatch(/^whsec_/);
    expect(rotated.signingSecret).not.toBe(workflow.signingSecret);
    // Until the data plane has the rotated version, a delivery carries one signature.
    const request = await waitFor('a delivery signed during the overlap', async () => {
      const before = hooks('rotated').length;
      await fire('rotated');
      await waitFor('the delivery', () => (hooks('rotated').length > before ? true : undefined));
      const last = hooks('rotated').at(-1)!;
      return String(last.headers['webhook-signature']).split(' ').length === 2 ? last : undefined;
    });
    const headers = request.headers as Record<string, string>;
    expect(headers['x-api-key']).toBe('key-for-the-receiver');
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(() => new Webhook(rotated.signingSecret).verify(request.body, headers)).not.toThrow();
    expect(() => new Webhook(workflow.signingSecret).verify(request.body, headers)).not.toThrow();
  });

  it('never shows a custom header value, and keeps one sent back redacted', async () => {
    const workflow = await workflowAnswering('credentialed', () => ({ status: 200 }), {
      headers: { Authorization: 'Bearer key-of-the-order-api' },
    });
    const asTenant = async (method: string, path: string, body?: unknown) =>
      fetch(`${services.url('api')}/v1/workflows/${workflow.id}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(await system.tenantHeaders(tenantId)) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const shown = (await (await asTenant('GET', '')).json()) as { action: unknown };
    expect(shown.action).toMatchObject({ headers: { Authorization: '[redacted]' } });
    // The author edits what a GET showed: the redacted header keeps its value, a new one is added.
    const edited = await asTenant('PATCH', '', {
      action: { ...(shown.action as object), headers: { Authorization: '[redacted]', 'X-Order-Api': 'v2' } },
    });
    expect(edited.status).toBe(200);
    expect(await edited.json()).toMatchObject({
      action: { headers: { Authorization: '[redacted]', 'X-Order-Api': '[redacted]' } },
    });
    const history = JSON.stringify(await (await asTenant('GET', '/versions')).json());
    expect(history).toContain('[redacted]');
    expect(history).not.toContain('key-of-the-order-api');
    const unknown = await asTenant('PATCH', '', {
      action: { ...(shown.action as object), headers: { 'X-Api-Key': '[redacted]' } },
    });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({
      error: 'redacted_header',
      issues: [{ field: '/action/headers/X-Api-Key' }],
    });
    // Delivered with the saved value, once the data plane has version 2.
    const delivered = await waitFor('a delivery of version 2', async () => {
      const before = hooks('credentialed').length;
      await fire('credentialed');
      await waitFor('the delivery', () => (hooks('credentialed').length > before ? true : undefined));
      const last = hooks('credentialed').at(-1)!;
      return last.headers['x-order-api'] === 'v2' ? last : undefined;
    });
    expect(delivered.headers['authorization']).toBe('Bearer key-of-the-order-api');
  });

  it('sends a signed test delivery on request, for a draft too, and answers what the endpoint said', async () => {
    // The receiver echoes the custom header's value: the answer shows it redacted.
    scripts.set('/hooks/tried', (earlier) =>
      earlier === 0
        ? { status: 200, body: '{"ok":true,"echo":"key-for-the-tried-receiver"}' }
        : { status: 500, body: 'down for maintenance' },
    );
    const workflow = await system.createWorkflow(tenantId, {
      name: 'tried',
      trigger: { type: 'intent', phrases: ['cancel my order'] },
      action: {
        type: 'webhook',
        url: `${receiverUrl}/hooks/tried`,
        headers: { 'x-api-key': 'key-for-the-tried-receiver' },
      },
      status: 'draft',
    });
    const testDelivery = async (workflowId: string, body: unknown, asTenant = tenantId) => {
      const response = await fetch(`${services.url('action-dispatcher')}/v1/workflows/${workflowId}/test-delivery`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(await system.tenantHeaders(asTenant)) },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
    };

    const delivered = await testDelivery(workflow.id, {});
    expect(delivered).toMatchObject({
      status: 200,
      body: {
        workflowId: workflow.id,
        workflowVersion: workflow.version,
        url: `${receiverUrl}/hooks/tried`,
        webhookId: expect.stringMatching(/^test-/),
        delivered: true,
        attempt: { number: 1, statusCode: 200 },
        responseBody: '{"ok":true,"echo":"[redacted]"}',
      },
    });
    const [received] = hooks('tried');
    const headers = received!.headers as Record<string, string>;
    expect(headers['webhook-id']).toBe(delivered.body.webhookId);
    expect(headers['x-api-key']).toBe('key-for-the-tried-receiver');
    // Signed with the workflow's secret, and what was sent is what the answer shows.
    expect(new Webhook(workflow.signingSecret).verify(received!.body, headers)).toEqual(delivered.body.payload);
    expect(delivered.body.payload).toMatchObject({
      type: 'workflow.triggered',
      data: {
        executionId: delivered.body.webhookId,
        workflow: { id: workflow.id, name: 'tried' },
        trigger: { type: 'intent', phrase: 'cancel my order' },
        conversation: { id: expect.stringMatching(/^test-/), message: { role: 'contact', text: 'cancel my order' } },
        contact: { id: 'test-contact', name: 'Test Contact' },
      },
    });

    const failed = await testDelivery(workflow.id, {
      text: 'where is my refund?',
      contact: { id: 'c-1', name: 'Ada' },
    });
    expect(failed.body).toMatchObject({
      delivered: false,
      attempt: { statusCode: 500, error: expect.stringContaining('down for maintenance') },
      payload: { data: { conversation: { message: { text: 'where is my refund?' } }, contact: { name: 'Ada' } } },
    });
    expect(failed.body).not.toHaveProperty('responseBody');

    // An escalation's team webhook can be tried too.
    scripts.set('/hooks/team', () => ({ status: 204 }));
    const escalation = await createWorkflow('escalating', { type: 'escalate', notifyUrl: `${receiverUrl}/hooks/team` });
    expect(await testDelivery(escalation.id, {})).toMatchObject({
      status: 200,
      body: { url: `${receiverUrl}/hooks/team`, delivered: true, payload: { type: 'workflow.triggered' } },
    });
    expect(hooks('team')).toHaveLength(1);

    const reply = await createWorkflow('replying', { type: 'reply', message: { text: 'Hello' } });
    expect(await testDelivery(reply.id, {})).toMatchObject({
      status: 409,
      body: { error: 'no_endpoint', details: { actionType: 'reply' } },
    });
    expect((await testDelivery(workflow.id, {}, `other-${tenantId}`)).status).toBe(404);
    expect(await testDelivery(workflow.id, { text: '' })).toMatchObject({
      status: 400,
      body: { issues: [{ field: '/text', reason: expect.any(String) }] },
    });

    // Neither test is an execution: the failed one is not retried (the first retry would come
    // after 1.5 s), and the workflow's history stays empty.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(hooks('tried')).toHaveLength(2);
    const history = await fetch(`${services.url('history')}/v1/workflows/${workflow.id}/executions`, {
      headers: await system.tenantHeaders(tenantId),
    });
    expect(((await history.json()) as { items: unknown[] }).items).toEqual([]);

    // Tried right after a change, the workflow is tried as changed: at its new URL.
    scripts.set('/hooks/tried-moved', () => ({ status: 200 }));
    const moved = await fetch(`${services.url('api')}/v1/workflows/${workflow.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', ...(await system.tenantHeaders(tenantId)) },
      body: JSON.stringify({ action: { type: 'webhook', url: `${receiverUrl}/hooks/tried-moved` } }),
    });
    expect(moved.status).toBe(200);
    expect(await testDelivery(workflow.id, {})).toMatchObject({
      status: 200,
      body: { workflowVersion: workflow.version + 1, url: `${receiverUrl}/hooks/tried-moved`, delivered: true },
    });
  });

  it('sends a payload template filled from the contact, their memory, the message and the transcript', async () => {
    const workflow = await workflowAnswering('templated', () => ({ status: 200 }), {
      payloadTemplate: {
        orderId: '{{memory.orderId}}',
        vip: '{{memory.vip}}',
        customer: { name: 'Customer {{contact.name}}', email: '{{contact.email}}' },
        said: '{{conversation.message.text}}',
        transcript: '{{conversation.transcript}}',
        unknown: '{{memory.nothing}}',
        fixed: [1, 'two', null],
      },
    });
    const conversationId = `conv-${randomUUID()}`;
    const event = messageCreatedEvent(tenantId, conversationId, 'please run templated');
    event.data.memory = { orderId: 4711, vip: true };
    await producer.send({
      topic: Topics.conversationEvents.name,
      acks: -1,
      messages: [{ key: conversationId, value: JSON.stringify(event) }],
    });
    const [request] = await waitFor('the templated delivery', () =>
      hooks('templated').length > 0 ? hooks('templated') : undefined,
    );
    expect(JSON.parse(request!.body)).toEqual({
      orderId: 4711,
      vip: true,
      customer: { name: 'Customer Ada Lovelace', email: 'ada@example.com' },
      said: 'please run templated',
      transcript: [expect.objectContaining({ role: 'contact', text: 'please run templated' })],
      unknown: null,
      fixed: [1, 'two', null],
    });
    // Signed like every delivery: over the rendered body.
    expect(() =>
      new Webhook(workflow.signingSecret).verify(request!.body, request!.headers as Record<string, string>),
    ).not.toThrow();
  });

  it("keeps to the endpoint's rate limit: a burst of one second's worth, then one delivery per 1/rate seconds", async () => {
    await workflowAnswering('rate-limited', () => ({ status: 200 }), { maxPerSecond: 2 });
    await Promise.all(Array.from({ length: 6 }, () => fire('rate-limited')));
    const arrived = await waitFor('the six rate-limited webhooks', () =>
      hooks('rate-limited').length === 6 ? hooks('rate-limited').map((request) => request.receivedAt) : undefined,
    );
    // Two at once, the next four as tokens come (one per 500 ms): the last about 2 s after the first.
    expect(Math.max(...arrived) - Math.min(...arrived)).toBeGreaterThanOrEqual(1_500);
  });

  it('refuses invalid actions naming the field', async () => {
    const invalid = async (action: unknown) => {
      const response = await fetch(`${services.url('api')}/v1/workflows`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(await system.tenantHeaders(tenantId)) },
        body: JSON.stringify({ name: 'bad', trigger: { type: 'intent', phrases: ['x'] }, action }),
      });
      expect(response.status).toBe(400);
      return ((await response.json()) as { issues: { field: string }[] }).issues.map((issue) => issue.field);
    };
    expect(await invalid({ type: 'zapier', url: 'https://example.com/hook' })).toContain('/action/url');
    expect(await invalid({ type: 'make', url: 'https://hooks.zapier.com/hooks/catch/1/abc/' })).toContain(
      '/action/url',
    );
    expect(await invalid({ type: 'reply', message: { text: 'Hi {{secrets.key}}' } })).toContain('/action/message/text');
    expect(await invalid({ type: 'tag', signals: [] })).toContain('/action/signals');
    expect(
      await invalid({ type: 'webhook', url: 'https://example.com/hook', payloadTemplate: { a: '{{secrets.key}}' } }),
    ).toContain('/action/payloadTemplate/a');
    expect(await invalid({ type: 'update_memory' })).toContain('/action');
    expect(
      await invalid({ type: 'webhook', url: 'https://example.com/hook', headers: { 'Webhook-Id': 'forged' } }),
    ).toContain('/action/headers/Webhook-Id');
    expect(
      await invalid({ type: 'webhook', url: 'https://example.com/hook', headers: { 'Transfer-Encoding': 'chunked' } }),
    ).toContain('/action/headers/Transfer-Encoding');
  });

  it('fails at once, without a request, a payload that renders over WEBHOOK_MAX_PAYLOAD_BYTES', async () => {
    // 80 KB: over the suite's 64 KiB limit, and under the API's 256 KiB body limit.
    const payloadTemplate = Object.fromEntries(
      Array.from({ length: 20 }, (_, index) => [`part${index}`, 'x'.repeat(4_000)]),
    );
    const workflow = await workflowAnswering('oversized', () => ({ status: 200 }), { payloadTemplate });
    await fire('oversized');
    const [execution] = await finalExecution(workflow.id);
    const bytes = Buffer.byteLength(JSON.stringify(payloadTemplate));
    expect(execution).toMatchObject({
      status: 'failed',
      attemptCount: 1,
      reason: `payload is ${bytes} bytes, over WEBHOOK_MAX_PAYLOAD_BYTES 65536; not sent`,
    });
    await quietly(2_500);
    expect(hooks('oversized')).toHaveLength(0);
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
