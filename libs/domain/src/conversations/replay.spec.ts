import type { ConversationEvent, FiringPolicy, Trigger } from '@app/contracts';
import { replayConversation, type ReplayOptions } from './replay';

const T0 = Date.parse('2026-11-24T10:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

const event = (seconds: number, body: Pick<ConversationEvent, 'type' | 'data'>): ConversationEvent =>
  ({
    specversion: '1.0',
    id: `e-${seconds}`,
    source: '/test',
    time: at(seconds),
    subject: 'conv-1',
    tenantid: 'acme',
    ...body,
  }) as ConversationEvent;
const message = (seconds: number, role: 'contact' | 'ai' | 'agent', text: string, extra: object = {}) =>
  event(seconds, { type: 'conversation.message.created', data: { messageId: `m-${seconds}`, role, text, ...extra } });

const workflow = (trigger: Trigger, firing: FiringPolicy = { mode: 'once_per_conversation' }) => ({
  id: 'draft',
  name: 'Draft',
  // Replays judge a draft as if it were enabled: its status does not matter.
  status: 'draft' as const,
  trigger,
  firing,
});
const options: ReplayOptions = { maxPerMinute: 5, until: new Date(T0 + 86_400_000) };
const cancel: Trigger = { type: 'intent', phrases: ['cancel my subscription'] };

describe('replayConversation', () => {
  it('fires a draft on the message that matches, with the message and the match', () => {
    const firings = replayConversation(
      workflow(cancel),
      [message(0, 'contact', 'hello'), message(5, 'contact', 'please cancel my subscription')],
      options,
    );
    expect(firings).toEqual([
      {
        at: at(5),
        message: { id: 'm-5', text: 'please cancel my subscription' },
        match: expect.objectContaining({ type: 'intent' }),
      },
    ]);
  });

  it('applies the firing policy on the events’ clock: once per conversation, or again after the cooldown', () => {
    const events = [0, 30, 200].map((seconds) => message(seconds, 'contact', 'cancel my subscription'));
    expect(replayConversation(workflow(cancel), events, options)).toHaveLength(1);
    const cooling = replayConversation(workflow(cancel, { mode: 'cooldown', cooldownSeconds: 60 }), events, options);
    expect(cooling.map((firing) => firing.at)).toEqual([at(0), at(200)]);
  });

  it('counts failed AI answers across the conversation, like the live state', () => {
    const escalate = workflow({ type: 'failed_answers', count: 2 });
    const events = [
      message(0, 'contact', 'where is my parcel'),
      message(1, 'ai', 'sorry', { ai: { answered: false } }),
      message(2, 'contact', 'hello?'),
      message(3, 'ai', 'sorry again', { ai: { answered: false } }),
    ];
    expect(replayConversation(escalate, events, options).map((firing) => firing.message?.id)).toEqual(['m-3']);
    expect(replayConversation(escalate, events.slice(0, 3), options)).toEqual([]);
  });

  it('judges conditions against the memory the conversation taught so far', () => {
    const vipOnly = workflow({ ...cancel, conditions: { op: 'equals', attribute: 'vip', value: true } } as Trigger);
    const text = 'cancel my subscription';
    expect(replayConversation(vipOnly, [message(0, 'contact', text)], options)).toEqual([]);
    expect(replayConversation(vipOnly, [message(0, 'contact', text, { memory: { vip: true } })], options)).toHaveLength(
      1,
    );
  });

  it('fires a no_reply timer when the gap before the next reply reached its delay, at the instant it was due', () => {
    const nudge = workflow({ type: 'no_reply', waitingFor: 'contact', seconds: 300 });
    const answeredInTime = [message(0, 'ai', 'anything else?'), message(299, 'contact', 'no thanks')];
    expect(replayConversation(nudge, answeredInTime, options)).toEqual([]);
    const late = [message(0, 'ai', 'anything else?'), message(400, 'contact', 'sorry, back')];
    expect(replayConversation(nudge, late, options)).toEqual([
      { at: at(300), match: expect.objectContaining({ type: 'no_reply', score: 1 }) },
    ]);
  });

  it('fires a timer still pending after the last event only if it was due by the end of the period', () => {
    const nudge = workflow({ type: 'no_reply', waitingFor: 'contact', seconds: 300 });
    const events = [message(0, 'ai', 'anything else?')];
    expect(replayConversation(nudge, events, { ...options, until: new Date(T0 + 299_000) })).toEqual([]);
    expect(replayConversation(nudge, events, { ...options, until: new Date(T0 + 300_000) })).toHaveLength(1);
    const ended = event(10, { type: 'conversation.ended', data: {} });
    expect(replayConversation(nudge, [...events, ended], options)).toEqual([]);
  });

  it('fires conversation_end on the end of the conversation', () => {
    const summary = workflow({ type: 'conversation_end' });
    const events = [message(0, 'contact', 'hi'), event(10, { type: 'conversation.ended', data: {} })];
    expect(replayConversation(summary, events, options)).toEqual([
      { at: at(10), match: expect.objectContaining({ type: 'conversation_end' }) },
    ]);
  });
});
