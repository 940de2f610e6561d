import { randomUUID } from 'node:crypto';
import { Topics, type BacktestResponse, type ConversationEvent } from '@app/contracts';
import type { RunningServices } from '@app/infra';
import type { Producer } from '@app/kafka';
import {
  conversationEndedEvent,
  messageCreatedEvent,
  startSystemUnderTest,
  waitFor,
  type SystemUnderTest,
} from '@app/testing';

const cancel = {
  type: 'intent',
  phrases: ['I want to cancel my subscription', 'close my account', 'how do I unsubscribe', 'end my membership'],
};
const action = { type: 'tag', signals: [{ name: 'backtested' }] };

/**
 * Backtests over real stored conversations: conversations go through ingest into history (real
 * Kafka, Postgres and the intent model), and POST /v1/backtests replays them for a draft workflow.
 */
describe('backtest', () => {
  const tenantId = `tenant-${randomUUID().slice(0, 8)}`;
  // An hour ago, so that every timer of the replay is long due by now.
  const base = Date.now() - 3_600_000;
  const at = (seconds: number) => new Date(base + seconds * 1000).toISOString();
  const ids = { asksToClose: 'conv-close', asksHours: 'conv-hours', asksTwice: 'conv-twice', repliesLate: 'conv-late' };
  let services: RunningServices;
  let system: SystemUnderTest;
  let producer: Producer;

  beforeAll(async () => {
    system = await startSystemUnderTest({ suite: 'backtest', names: ['api', 'ingest', 'history'] });
    ({ services, producer } = system);

    const conversations: ConversationEvent[][] = [
      [
        message(ids.asksToClose, 0, 'contact', 'hello'),
        message(ids.asksToClose, 5, 'ai', 'Hi! How can I help?'),
        message(ids.asksToClose, 20, 'contact', 'please close my account for good'),
        message(ids.asksToClose, 25, 'ai', 'Done.'),
        ended(ids.asksToClose, 30),
      ],
      [
        message(ids.asksHours, 0, 'contact', 'what are your opening hours?'),
        message(ids.asksHours, 5, 'ai', 'From 9 to 5.'),
        ended(ids.asksHours, 10),
      ],
      [
        message(ids.asksTwice, 0, 'contact', 'how can I unsubscribe from this service?'),
        message(ids.asksTwice, 5, 'ai', 'Could you tell me more?'),
        message(ids.asksTwice, 10, 'contact', 'I would like to end my subscription'),
        ended(ids.asksTwice, 20),
      ],
      [
        message(ids.repliesLate, 0, 'ai', 'Anything else I can help with?'),
        message(ids.repliesLate, 600, 'contact', 'sorry, I was away'),
        message(ids.repliesLate, 605, 'ai', 'No problem.'),
        ended(ids.repliesLate, 610),
      ],
    ];
    for (const events of conversations) {
      await producer.send({
        topic: Topics.conversationEvents.name,
        acks: -1,
        messages: events.map((event) => ({ key: event.subject, value: JSON.stringify(event) })),
      });
    }
    // A redelivery of an event history already has (as after a crash before the commit): no second row.
    const redelivered = conversations[1]![0]!;
    await producer.send({
      topic: Topics.validatedEvents.name,
      acks: -1,
      messages: [{ key: redelivered.subject, value: JSON.stringify(redelivered) }],
    });
    await waitFor('history to store the 4 conversations', async () => {
      const { body } = await backtest({ workflow: { name: 'Cancel', trigger: cancel, action } });
      return (body as BacktestResponse).conversations === 4 ? true : undefined;
    });
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
  });

  function message(conversationId: string, seconds: number, role: 'contact' | 'ai', text: string): ConversationEvent {
    const event = messageCreatedEvent(tenantId, conversationId, text, { time: at(seconds) });
    return { ...event, data: { ...event.data, messageId: `${conversationId}/${seconds}`, role } };
  }

  function ended(conversationId: string, seconds: number): ConversationEvent {
    return conversationEndedEvent(tenantId, conversationId, {}, { time: at(seconds) });
  }

  async function backtest(body: unknown, tenant: string | null = tenantId): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${services.url('history')}/v1/backtests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(tenant ? await system.tenantHeaders(tenant) : {}) },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  }

  it('counts the conversations and times an intent draft would have fired, with examples, by meaning', async () => {
    const { status, body } = await backtest({ workflow: { name: 'Cancel', trigger: cancel, action } });
    expect(status).toBe(200);
    const result = body as BacktestResponse;
    expect(result).toMatchObject({ conversations: 4, messages: 12, fired: { conversations: 2, times: 2 }, rate: 0.5 });
    expect(result.examples).toHaveLength(2);
    expect(result.examples).toEqual(
      expect.arrayContaining([
        {
          conversationId: ids.asksToClose,
          at: at(20),
          messageId: `${ids.asksToClose}/20`,
          text: 'please close my account for good',
          match: expect.objectContaining({ type: 'intent' }),
        },
        expect.objectContaining({ conversationId: ids.asksTwice, messageId: `${ids.asksTwice}/0` }),
      ]),
    );
  });

  it('applies the draft’s firing policy, and the limit of examples', async () => {
    const { body } = await backtest({
      workflow: { name: 'Cancel', trigger: cancel, action, firing: { mode: 'every_time' } },
      examples: 1,
    });
    expect(body).toMatchObject({ conversations: 4, fired: { conversations: 2, times: 3 } });
    expect((body as BacktestResponse).examples).toHaveLength(1);
  });

  it('judges no_reply from the gaps between messages', async () => {
    const { body } = await backtest({
      workflow: { name: 'Nudge', trigger: { type: 'no_reply', waitingFor: 'contact', seconds: 300 }, action },
    });
    expect(body).toEqual({
      conversations: 4,
      messages: 12,
      fired: { conversations: 1, times: 1 },
      rate: 0.25,
      examples: [
        { conversationId: ids.repliesLate, at: at(300), match: expect.objectContaining({ type: 'no_reply' }) },
      ],
    });
  });

  it('replays only the most recent conversations within the period', async () => {
    const workflow = { name: 'Cancel', trigger: cancel, action };
    expect((await backtest({ workflow, limit: 1 })).body).toMatchObject({
      conversations: 1,
      messages: 3,
      fired: { conversations: 0, times: 0 },
    });
    // Until 15 s in: conv-close's ask (at 20 s) and conv-late's reply are outside; conv-late's timer is not due yet.
    expect((await backtest({ workflow, until: at(15) })).body).toMatchObject({
      conversations: 4,
      fired: { conversations: 1, times: 1 },
      examples: [expect.objectContaining({ conversationId: ids.asksTwice })],
    });
  });

  it('refuses an invalid body or period with 400 naming the field, and a request without an API key', async () => {
    const noTrigger = await backtest({ workflow: { name: 'Cancel', action } });
    expect(noTrigger.status).toBe(400);
    expect(noTrigger.body).toMatchObject({ issues: [{ field: '/workflow/trigger', reason: 'is required' }] });
    const tooMany = await backtest({ workflow: { name: 'Cancel', trigger: cancel, action }, limit: 10_001 });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({ issues: [expect.objectContaining({ field: '/limit' })] });
    const backwards = await backtest({
      workflow: { name: 'Cancel', trigger: cancel, action },
      since: at(10),
      until: at(0),
    });
    expect(backwards.status).toBe(400);
    expect(backwards.body).toMatchObject({ issues: [{ field: '/since', reason: 'must be before until' }] });
    const anonymous = await backtest({ workflow: { name: 'Cancel', trigger: cancel, action } }, null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ error: 'unauthenticated' });
  });
});
