import { randomUUID } from 'node:crypto';
import { Topics, type ContactMemoryView, type ConversationEvent } from '@app/contracts';
import { MAX_MEMORY_CHARS } from '@app/domain';
import type { RunningServices } from '@app/infra';
import { type Producer } from '@app/kafka';
import {
  FakeChatCompletions,
  WebhookReceiver,
  messageCreatedEvent,
  readMetric,
  waitFor,
  startSystemUnderTest,
  type SystemUnderTest,
} from '@app/testing';

/** Faster than the default so that second-scale no_reply timers fire within a second of being due. */
const TICK_INTERVAL_MS = 200;
const DECISION_TIMEOUT_MS = 1_000;

/**
 * The trigger engine's time- and contact-aware behaviour, every hop real (all six services as
 * processes, Kafka, Postgres, a webhook receiver): no_reply timers that fire after their delay,
 * not after a reply, and across a crash of trigger-matcher; contact memory shared by a contact's
 * conversations until it is cleared; a workflow disabled and enabled again; draft workflows on preview conversations;
 * and the decision provider of the running trigger-matcher, a local fake chat-completions
 * endpoint, with its fallback.
 */
describe('trigger engine', () => {
  const receiver = new WebhookReceiver();
  const decider = new FakeChatCompletions();
  let receiverUrl: string;
  let services: RunningServices;
  let system: SystemUnderTest;
  let producer: Producer;

  beforeAll(async () => {
    receiverUrl = await receiver.start();
    const deciderUrl = await decider.start();
    // The fake model routes a message containing "refund" to the workflow named Refund, is too
    // slow for a message containing "please", and fails on anything else.
    decider.answer = (body) => {
      const messages = body.messages as { content: string }[];
      const text = messages.at(-1)?.content ?? '';
      const tools = body.tools as { function: { name: string; description: string } }[];
      if (text.includes('please')) return { status: 200, body: {}, delayMs: DECISION_TIMEOUT_MS * 3 };
      const refund = tools.find((tool) => tool.function.description.startsWith('Refund.'));
      if (!text.includes('refund') || !refund) return { status: 500, body: { error: 'model overloaded' } };
      const call = { type: 'function', function: { name: refund.function.name, arguments: '{}' } };
      return { status: 200, body: { choices: [{ message: { role: 'assistant', tool_calls: [call] } }] } };
    };
    system = await startSystemUnderTest({
      suite: 'engine',
      env: {
        TIMER_TICK_INTERVAL_MS: String(TICK_INTERVAL_MS),
        DECISION_PROVIDER_URL: deciderUrl,
        DECISION_PROVIDER_TIMEOUT_MS: String(DECISION_TIMEOUT_MS),
        DECISION_PROVIDER_UNSURE_MARGIN: '0.2',
        // The other suites run the default (all); here trigger-matcher reads only the state
        // partitions it owns, restored at start and after its crash below.
        CONVERSATION_STATE_STANDBY: 'none',
        ENDED_CONVERSATION_STATE_TTL_SECONDS: '1',
      },
    });
    ({ services, producer } = system);
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
    await receiver.stop();
    await decider.stop();
  });

  async function createWorkflow(tenantId: string, name: string, trigger: unknown, extra: object = {}) {
    await system.createWorkflow(tenantId, {
      name,
      trigger,
      action: { type: 'webhook', url: `${receiverUrl}/hooks/${name}` },
      ...extra,
    });
  }

  function viewEntries(service: 'trigger-matcher' | 'action-dispatcher', view: string) {
    return readMetric(services.url(service), 'aw_materialized_view_entries', { view });
  }

  /** The contact's memory as trigger-matcher's API answers it. */
  async function memoryOf(tenantId: string, contactId: string): Promise<ContactMemoryView> {
    const response = await fetch(
      `${services.url('trigger-matcher')}/v1/contacts/${encodeURIComponent(contactId)}/memory`,
      { headers: await system.tenantHeaders(tenantId) },
    );
    expect(response.status).toBe(200);
    return (await response.json()) as ContactMemoryView;
  }

  async function publish(event: ConversationEvent): Promise<void> {
    await producer.send({
      topic: Topics.conversationEvents.name,
      acks: -1,
      messages: [{ key: event.subject, value: JSON.stringify(event) }],
    });
  }

  function message(
    tenantId: string,
    conversationId: string,
    role: 'contact' | 'ai' | 'agent',
    text: string,
    data: object = {},
  ): ConversationEvent {
    const event = messageCreatedEvent(tenantId, conversationId, text);
    return { ...event, data: { ...event.data, role, ...data } };
  }

  /** The webhooks one workflow (by name) sent for one conversation. */
  function hooks(name: string, conversationId: string) {
    return receiver.requests
      .filter((request) => request.path === `/hooks/${name}`)
      .map((request) => JSON.parse(request.body).data)
      .filter((data) => data.conversation.id === conversationId);
  }

  const secondsBetween = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 1000;

  it('fires a no_reply timer after its delay, never after a reply, once', async () => {
    const tenantId = `tenant-${randomUUID().slice(0, 8)}`;
    await createWorkflow(tenantId, 'nudge', { type: 'no_reply', waitingFor: 'contact', seconds: 2 });
    const silent = `conv-${randomUUID()}`;
    const replied = `conv-${randomUUID()}`;

    const asked = message(tenantId, silent, 'ai', 'Could you send me your order number?');
    await publish(asked);
    await publish(message(tenantId, replied, 'ai', 'Could you send me your order number?'));
    await publish(message(tenantId, replied, 'contact', 'Sure, it is 12345'));

    const [fired] = await waitFor('the no_reply webhook', () => {
      const received = hooks('nudge', silent);
      return received.length > 0 ? received : undefined;
    });
    expect(fired.trigger).toMatchObject({ type: 'no_reply', score: 1, threshold: 1 });
    // A timer names the contact the conversation knows, with the details its events gave.
    expect(fired.contact).toEqual({ id: `contact-${silent}`, name: 'Ada Lovelace', email: 'ada@example.com' });
    expect(fired.trigger.event).toMatchObject({ source: 'trigger-matcher/timer', type: 'conversation.no_reply' });
    expect(secondsBetween(asked.time, fired.trigger.firedAt)).toBeGreaterThanOrEqual(2);
    expect(fired.conversation.transcript.map((entry: { text: string }) => entry.text)).toEqual([
      'Could you send me your order number?',
    ]);
    // Both timers were due at the same time; ticks keep coming every TICK_INTERVAL_MS while due.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(hooks('nudge', silent)).toHaveLength(1);
    expect(hooks('nudge', replied)).toHaveLength(0);
  });

  it("shares a contact's memory with their later conversations, durably, until it is cleared", async () => {
    const tenantId = `tenant-${randomUUID().slice(0, 8)}`;
    await createWorkflow(tenantId, 'vip-upgrade', {
      type: 'ai_intent',
      intents: ['upgrade'],
      conditions: { op: 'equals', attribute: 'vip', value: true },
    });
    await createWorkflow(tenantId, 'any-upgrade', { type: 'ai_intent', intents: ['upgrade'] });
    const vip = { id: `contact-${randomUUID()}` };
    const first = `conv-${randomUUID()}`;
    const learnt = {
      ...message(tenantId, first, 'contact', ''),
      type: 'contact.memory.updated',
      data: { contact: vip, attributes: { vip: true } },
    } as const;
    await publish(learnt);
    // The memory is on the first conversation's partition; wait until it is in the shared view.
    await waitFor('the contact memory', async () =>
      (await memoryOf(tenantId, vip.id)).attributes.vip ? true : undefined,
    );
    expect(await memoryOf(tenantId, vip.id)).toEqual({
      contactId: vip.id,
      attributes: { vip: { value: true, learntAt: learnt.time } },
    });

    const second = `conv-${randomUUID()}`;
    const stranger = `conv-${randomUUID()}`;
    const upgrade = { ai: { intent: 'upgrade', confidence: 0.9 } };
    await publish(message(tenantId, second, 'contact', 'I want to upgrade', { contact: vip, ...upgrade }));
    await publish(message(tenantId, stranger, 'contact', 'I want to upgrade', upgrade));

    await waitFor('the VIP webhook of the second conversation', () =>
      hooks('vip-upgrade', second).length === 1 ? true : undefined,
    );
    await waitFor('the control webhook of the other contact', () =>
      hooks('any-upgrade', stranger).length === 1 ? true : undefined,
    );
    expect(hooks('vip-upgrade', stranger)).toHaveLength(0);

    // Durable: after a crash of trigger-matcher, a third conversation of the contact still knows.
    expect(await services.kill('trigger-matcher', 'SIGKILL')).toBeNull();
    await services.start('trigger-matcher');
    const third = `conv-${randomUUID()}`;
    await publish(message(tenantId, third, 'contact', 'upgrade me', { contact: vip, ...upgrade }));
    await waitFor('the VIP webhook of the third conversation', () =>
      hooks('vip-upgrade', third).length === 1 ? true : undefined,
    );

    // Cleared (an erasure request): forgotten by every later conversation, durably too.
    const cleared = {
      ...message(tenantId, third, 'contact', ''),
      type: 'contact.memory.cleared',
      data: { contact: vip },
    } as const;
    await publish(cleared);
    await waitFor('the contact memory cleared', async () =>
      (await memoryOf(tenantId, vip.id)).clearedAt ? true : undefined,
    );
    const forgotten = { contactId: vip.id, attributes: {}, clearedAt: cleared.time };
    expect(await memoryOf(tenantId, vip.id)).toEqual(forgotten);
    // The attribute's tombstone and the clear itself are read back from Kafka after a crash.
    expect(await services.kill('trigger-matcher', 'SIGKILL')).toBeNull();
    await services.start('trigger-matcher');
    expect(await memoryOf(tenantId, vip.id)).toEqual(forgotten);
    const fourth = `conv-${randomUUID()}`;
    await publish(message(tenantId, fourth, 'contact', 'upgrade me', { contact: vip, ...upgrade }));
    await waitFor('the control webhook of the fourth conversation', () =>
      hooks('any-upgrade', fourth).length === 1 ? true : undefined,
    );
    // Both workflows' triggers leave in one transaction: a VIP webhook would be at most moments behind.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(hooks('vip-upgrade', fourth)).toHaveLength(0);
    // So does the conversation that first taught it (its own memory held it too).
    await publish(message(tenantId, first, 'contact', 'upgrade me', { contact: vip, ...upgrade }));
    await waitFor('the control webhook of the first conversation', () =>
      hooks('any-upgrade', first).length === 1 ? true : undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(hooks('vip-upgrade', first)).toHaveLength(0);

    // What a conversation learns after the clear, before it knows its contact, counts once it does.
    const fifth = `conv-${randomUUID()}`;
    const hello = messageCreatedEvent(tenantId, fifth, 'hello');
    const { contact: _unknown, ...anonymous } = hello.data;
    await publish({ ...hello, data: { ...anonymous, memory: { vip: true } } });
    await publish(message(tenantId, fifth, 'contact', 'upgrade me', { contact: vip, ...upgrade }));
    await waitFor('the VIP webhook of the fifth conversation', () =>
      hooks('vip-upgrade', fifth).length === 1 ? true : undefined,
    );
  });

  it("refuses memory changes that would take a contact's memory over its limit, and still matches the message", async () => {
    const tenantId = `tenant-${randomUUID().slice(0, 8)}`;
    await createWorkflow(tenantId, 'noted-upgrade', {
      type: 'ai_intent',
      intents: ['upgrade'],
      conditions: { op: 'exists', attribute: 'notes' },
    });
    await createWorkflow(tenantId, 'plain-upgrade', { type: 'ai_intent', intents: ['upgrade'] });
    const refusedBefore = (await readMetric(services.url('trigger-matcher'), 'aw_memory_updates_refused_total')) ?? 0;
    const conversationId = `conv-${randomUUID()}`;
    await publish(
      message(tenantId, conversationId, 'contact', 'I want to upgrade', {
        contact: { id: `contact-${randomUUID()}` },
        ai: { intent: 'upgrade', confidence: 0.9 },
        memory: { notes: 'x'.repeat(MAX_MEMORY_CHARS) },
      }),
    );
    await waitFor('the webhook of the workflow without conditions', () =>
      hooks('plain-upgrade', conversationId).length === 1 ? true : undefined,
    );
    // Both would have fired on the same decision: give a webhook of the other one time to show up.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(hooks('noted-upgrade', conversationId)).toHaveLength(0);
    expect(await readMetric(services.url('trigger-matcher'), 'aw_memory_updates_refused_total')).toBe(
      refusedBefore + 1,
    );
  });

  it('fires a no_reply timer, and hands off an escalation waiting for contact details, pending when trigger-matcher crashed, once', async () => {
    const tenantId = `tenant-${randomUUID().slice(0, 8)}`;
    // Longer than a restart after a crash (the group waits out the dead member's 10 s session).
    await createWorkflow(tenantId, 'agent-sla', { type: 'no_reply', waitingFor: 'agent', seconds: 20 });
    await system.createWorkflow(tenantId, {
      name: 'handoff',
      trigger: { type: 'ai_request' },
      action: {
        type: 'escalate',
        requireContact: { fields: ['phone'], prompt: { text: 'Your number?' }, waitSeconds: 20 },
        notifyUrl: `${receiverUrl}/hooks/handoff`,
      },
    });
    const conversationId = `conv-${randomUUID()}`;
    const escalated = `conv-${randomUUID()}`;
    const statesBefore = (await viewEntries('trigger-matcher', 'conversation-states')) ?? 0;
    const waiting = message(tenantId, conversationId, 'contact', 'Hello? Is anybody there?');
    await publish(waiting);
    const asking = message(tenantId, escalated, 'ai', 'Let me find you a human.', {
      ai: { requestedWorkflow: 'handoff' },
    });
    await publish(asking);
    // The wait and the escalation's question are committed to the state topic before the crash.
    await waitFor('the conversation states', async () =>
      ((await viewEntries('trigger-matcher', 'conversation-states')) ?? 0) >= statesBefore + 2 ? true : undefined,
    );
    expect(await services.kill('trigger-matcher', 'SIGKILL')).toBeNull();
    await services.start('trigger-matcher');
    expect(secondsBetween(waiting.time, new Date().toISOString())).toBeLessThan(20);
    expect(hooks('agent-sla', conversationId)).toHaveLength(0);
    expect(hooks('handoff', escalated)).toHaveLength(0);

    const [fired] = await waitFor('the no_reply webhook after the restart', () => {
      const received = hooks('agent-sla', conversationId);
      return received.length > 0 ? received : undefined;
    });
    expect(fired.trigger).toMatchObject({ type: 'no_reply' });
    expect(secondsBetween(waiting.time, fired.trigger.firedAt)).toBeGreaterThanOrEqual(20);
    // The escalation's team webhook goes with its hand-off, released by the wait's durable timer.
    const [handedOff] = await waitFor('the hand-off after the restart', () => {
      const received = hooks('handoff', escalated);
      return received.length > 0 ? received : undefined;
    });
    expect(handedOff.trigger).toMatchObject({ type: 'ai_request' });
    expect(handedOff.trigger.event).toMatchObject({
      source: 'trigger-matcher/timer',
      type: 'conversation.contact_wait_over',
    });
    expect(secondsBetween(asking.time, handedOff.trigger.firedAt)).toBeGreaterThanOrEqual(20);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(hooks('agent-sla', conversationId)).toHaveLength(1);
    expect(hooks('handoff', escalated)).toHaveLength(1);
  });

  it('emits each decision as exactly one trigger when trigger-matcher is killed in the middle of a stream', async () => {
    const tenantId = `tenant-${randomUUID().slice(0, 8)}`;
    await system.createWorkflow(tenantId, {
      name: 'counted',
      trigger: { type: 'ai_intent', intents: ['count_me'] },
      // No endpoint to call: the triggers themselves are what is counted.
      action: { type: 'tag', signals: [{ name: 'counted' }] },
      firing: { mode: 'every_time' },
    });
    // Committed triggers only (kafkajs reads committed records by default), as every consumer reads them.
    const triggers: string[] = [];
    const reader = system.kafka.consumer({ groupId: `e2e-engine-triggers-${randomUUID()}` });
    await reader.connect();
    try {
      await reader.subscribe({ topics: [Topics.workflowTriggers.name], fromBeginning: true });
      await reader.run({
        eachMessage: async ({ message: record }) => {
          const trigger = JSON.parse(record.value?.toString() ?? 'null') as { tenantId: string; triggerId: string };
          if (trigger?.tenantId === tenantId) triggers.push(trigger.triggerId);
        },
      });
      const count = 1_000;
      const events = Array.from({ length: count }, (_, index) =>
        message(tenantId, `conv-${randomUUID()}`, 'contact', `message ${index}`, {
          ai: { intent: 'count_me', confidence: 0.9 },
        }),
      );
      await producer.send({
        topic: Topics.conversationEvents.name,
        acks: -1,
        messages: events.map((event) => ({ key: event.subject, value: JSON.stringify(event) })),
      });
      // A crash while the stream is being decided: some batches committed, others in flight.
      await waitFor('the first committed trigger', () => (triggers.length > 0 ? true : undefined));
      expect(await services.kill('trigger-matcher', 'SIGKILL')).toBeNull();
      process.stderr.write(
        `[e2e engine] trigger-matcher killed with ${triggers.length} of ${count} triggers committed\n`,
      );
      await services.start('trigger-matcher');
      await waitFor('a trigger for every event', () => (new Set(triggers).size === count ? true : undefined), 60_000);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect(triggers).toHaveLength(count);
    } finally {
      await reader.disconnect();
    }
  }, 120_000);

  it('forgets an ended conversation after its time to live; a late event starts afresh', async () => {
    const tenantId = `tenant-${randomUUID().slice(0, 8)}`;
    await createWorkflow(tenantId, 'once', { type: 'ai_intent', intents: ['billing'] });
    const conversationId = `conv-${randomUUID()}`;
    const billing = { ai: { intent: 'billing', confidence: 0.9 } };
    const expired = () =>
      readMetric(services.url('trigger-matcher'), 'aw_conversation_states_expired_total', { reason: 'ended' });
    const expiredBefore = (await expired()) ?? 0;
    await publish(message(tenantId, conversationId, 'contact', 'a question about my bill', billing));
    await waitFor('the first webhook', () => (hooks('once', conversationId).length === 1 ? true : undefined));
    await publish({ ...message(tenantId, conversationId, 'contact', ''), type: 'conversation.ended', data: {} });

    await waitFor('the state to be forgotten', async () =>
      ((await expired()) ?? 0) > expiredBefore ? true : undefined,
    );
    // Once per conversation, but the conversation's state is gone: the late message fires again.
    await publish(message(tenantId, conversationId, 'contact', 'one more thing about my bill', billing));
    await waitFor('the webhook of the late message', () =>
      hooks('once', conversationId).length === 2 ? true : undefined,
    );
  });

  it('stops firing a workflow once it is disabled and fires it again once enabled, each change measured as it reaches trigger-matcher', async () => {
    const tenantId = `tenant-${randomUUID().slice(0, 8)}`;
    const everyTime = { firing: { mode: 'every_time' } };
    const toggled = await system.createWorkflow(tenantId, {
      name: 'toggled',
      trigger: { type: 'ai_intent', intents: ['cancel'] },
      action: { type: 'webhook', url: `${receiverUrl}/hooks/toggled` },
      ...everyTime,
    });
    // A workflow that stays enabled: once its webhook for a conversation arrived, trigger-matcher
    // has decided on every earlier message of that conversation.
    await createWorkflow(tenantId, 'marker', { type: 'ai_intent', intents: ['marker'] }, everyTime);
    const lagSeen = () =>
      readMetric(services.url('trigger-matcher'), 'aw_view_change_lag_seconds_count', { view: 'workflow-definitions' });
    const setStatus = async (status: 'enabled' | 'disabled') => {
      const changesBefore = (await lagSeen()) ?? 0;
      const response = await fetch(`${services.url('api')}/v1/workflows/${toggled.id}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', ...(await system.tenantHeaders(tenantId)) },
        body: JSON.stringify({ status }),
      });
      expect(response.status).toBe(200);
      await waitFor(`trigger-matcher to apply ${status}`, async () =>
        ((await lagSeen()) ?? 0) > changesBefore ? true : undefined,
      );
    };
    /** Publishes "cancel" then the marker in a new conversation; the webhooks of toggled it caused. */
    const cancelIn = async () => {
      const conversationId = `conv-${randomUUID()}`;
      await publish(
        message(tenantId, conversationId, 'contact', 'cancel it', { ai: { intent: 'cancel', confidence: 0.9 } }),
      );
      await publish(
        message(tenantId, conversationId, 'contact', 'and note it', { ai: { intent: 'marker', confidence: 0.9 } }),
      );
      await waitFor('the marker webhook', () => (hooks('marker', conversationId).length === 1 ? true : undefined));
      return hooks('toggled', conversationId).length;
    };

    expect(await cancelIn()).toBe(1);
    await setStatus('disabled');
    expect(await cancelIn()).toBe(0);
    await setStatus('enabled');
    expect(await cancelIn()).toBe(1);
    const sum = await readMetric(services.url('trigger-matcher'), 'aw_view_change_lag_seconds_sum', {
      view: 'workflow-definitions',
    });
    const count = (await lagSeen()) ?? 0;
    process.stderr.write(
      `[e2e engine] workflow changes reached trigger-matcher ${((1000 * (sum ?? NaN)) / count).toFixed(0)} ms ` +
        `after they were made, on average over ${count}\n`,
    );
  });

  it("counts a cooldown in the events' time, so a backlog of messages minutes apart fires as they happened", async () => {
    const tenantId = `tenant-${randomUUID().slice(0, 8)}`;
    await createWorkflow(
      tenantId,
      'cancel-cooling',
      { type: 'ai_intent', intents: ['cancel'] },
      { firing: { mode: 'cooldown', cooldownSeconds: 300 } },
    );
    const conversationId = `conv-${randomUUID()}`;
    const cancel = { ai: { intent: 'cancel', confidence: 0.95 } };
    const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
    // Published together, as after an outage: 10 minutes apart (fires twice), then 2 minutes after (cooling down).
    for (const minutes of [20, 10, 8]) {
      const event = message(tenantId, conversationId, 'contact', 'I want to cancel', cancel);
      await publish({ ...event, time: minutesAgo(minutes) });
    }
    await waitFor('two webhooks', () => (hooks('cancel-cooling', conversationId).length >= 2 ? true : undefined));
    // The third message is decided with them: give it the time a webhook takes before counting.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(hooks('cancel-cooling', conversationId)).toHaveLength(2);
  });

  it('runs draft workflows on preview conversations only, and live ones everywhere', async () => {
    const tenantId = `tenant-${randomUUID().slice(0, 8)}`;
    await createWorkflow(tenantId, 'cancel-draft', { type: 'ai_intent', intents: ['cancel'] }, { status: 'draft' });
    await createWorkflow(tenantId, 'cancel-live', { type: 'ai_intent', intents: ['cancel'] });
    const preview = `conv-${randomUUID()}`;
    const real = `conv-${randomUUID()}`;
    const cancel = { ai: { intent: 'cancel', confidence: 0.95 } };
    await publish(message(tenantId, preview, 'contact', 'testing my new workflow', { preview: true }));
    await publish(message(tenantId, preview, 'contact', 'I want to cancel', cancel));
    await publish(message(tenantId, real, 'contact', 'I want to cancel', cancel));

    await waitFor('both webhooks of the preview conversation', () =>
      hooks('cancel-draft', preview).length === 1 && hooks('cancel-live', preview).length === 1 ? true : undefined,
    );
    await waitFor('the live webhook of the real conversation', () =>
      hooks('cancel-live', real).length === 1 ? true : undefined,
    );
    expect(hooks('cancel-draft', real)).toHaveLength(0);
  });

  it('asks the decision provider about the messages intent matching is unsure of, and falls back to it when the provider fails', async () => {
    const tenantId = `tenant-${randomUUID().slice(0, 8)}`;
    // Single phrases: both fire at 0.88; with the margin of 0.2 set above, the provider is asked
    // about a closest score in [0.68, 0.88), or one that fires with the other within 0.067 of it.
    await createWorkflow(
      tenantId,
      'Refund',
      { type: 'intent', phrases: ['I want my money back'] },
      { firing: { mode: 'every_time' } },
    );
    await createWorkflow(tenantId, 'Return', { type: 'intent', phrases: ['I want to return my order'] });
    const metric = async (name: string) => (await readMetric(services.url('trigger-matcher'), name)) ?? 0;
    const requestsBefore = await metric('aw_decision_provider_requests_total');
    const fallbacksBefore = await metric('aw_decision_provider_fallbacks_total');

    // Below the threshold (Refund 0.81, Return 0.79): chosen by the model.
    const chosen = `conv-${randomUUID()}`;
    await publish(message(tenantId, chosen, 'contact', 'can I get a refund'));
    const [byModel] = await waitFor('the webhook chosen by the decision provider', () => {
      const received = hooks('Refund', chosen);
      return received.length > 0 ? received : undefined;
    });
    expect(byModel.trigger).toMatchObject({ type: 'intent', detail: 'chosen by the decision provider' });

    // Refund fires with Return close behind (0.91 and 0.87; 0.89 and 0.87): the model is asked,
    // errs, then times out, and intent matching decides; each fallback is counted.
    const failed = `conv-${randomUUID()}`;
    await publish(message(tenantId, failed, 'contact', 'I want my money back for this order'));
    await publish(message(tenantId, failed, 'contact', 'I want my money back for this order, please'));
    const matched = await waitFor('the webhooks decided by intent matching', () => {
      const received = hooks('Refund', failed);
      return received.length === 2 ? received : undefined;
    });
    expect(matched.map((data) => data.trigger.phrase)).toEqual(['I want my money back', 'I want my money back']);
    expect(await metric('aw_decision_provider_fallbacks_total')).toBe(fallbacksBefore + 2);

    // Sure: the same words as a phrase fire, an unrelated message stays quiet (closest 0.61), and
    // the model is asked about neither.
    const sure = `conv-${randomUUID()}`;
    await publish(message(tenantId, sure, 'contact', 'what are your opening hours'));
    await publish(message(tenantId, sure, 'contact', 'I want my money back'));
    const [bySameWords] = await waitFor('the webhook decided by intent matching alone', () => {
      const received = hooks('Refund', sure);
      return received.length > 0 ? received : undefined;
    });
    expect(bySameWords.conversation.message.text).toBe('I want my money back');
    expect(bySameWords.trigger).toMatchObject({ type: 'intent', score: 1 });
    expect(await metric('aw_decision_provider_requests_total')).toBe(requestsBefore + 3);
    expect(hooks('Return', chosen).concat(hooks('Return', failed), hooks('Return', sure))).toEqual([]);
  });
});
