import type { FiringPolicy, Trigger } from '@app/contracts';
import { firingOutcomeOf, judgeConversation, type JudgeOptions, type Judgement } from './judge-conversation';
import type { FiringWorkflow } from './firing-policy';
import { sampleConversationEvents, type SampleConversation } from './sample-conversation';

const workflow = (
  id: string,
  trigger: Trigger,
  firing: FiringPolicy = { mode: 'once_per_conversation' },
): FiringWorkflow => ({ id, name: id, status: 'enabled', trigger, firing });
const options: JudgeOptions = { maxPerMinute: 5 };
const cancel: Trigger = { type: 'intent', phrases: ['cancel my subscription'] };
const failedAnswer = { role: 'ai' as const, text: 'sorry, I do not know', ai: { answered: false } };

const judge = (workflows: FiringWorkflow[], conversation: SampleConversation, judgeOptions = options) =>
  judgeConversation(workflows, sampleConversationEvents(conversation), judgeOptions);
/** Per judged event, the workflows that really fire. */
const firedPerEvent = (judgements: Judgement<FiringWorkflow>[]) =>
  judgements.map(({ decision }) => decision.fire.map(({ workflow }) => workflow.id));
/** Per judged event, one workflow's outcome, the firing policy included. */
const outcomesOf = (judgements: Judgement<FiringWorkflow>[], workflowId: string) =>
  judgements.map((judgement) =>
    firingOutcomeOf(
      judgement,
      judgement.evaluations.find(({ workflow }) => workflow.id === workflowId)!,
    ),
  );

describe('judgeConversation', () => {
  it('counts failed AI answers across the conversation: fires once, on the answer that reaches the count', () => {
    const escalate = workflow('escalate', { type: 'failed_answers', count: 2 });
    const judgements = judge([escalate], {
      messages: [{ text: 'where is my parcel?' }, failedAnswer, { text: 'hello?' }, failedAnswer, failedAnswer],
    });
    expect(firedPerEvent(judgements)).toEqual([[], [], [], ['escalate'], []]);
    expect(outcomesOf(judgements, 'escalate')).toEqual([
      { outcome: 'not_applicable' },
      { outcome: 'below_threshold' },
      { outcome: 'not_applicable' },
      { outcome: 'fired' },
      { outcome: 'held_back', reason: 'already_fired' },
    ]);
    expect(judgements[3]!.decision.fire[0]!.match).toMatchObject({ detail: '2 of 2 failed AI answers' });
  });

  it('fires a once-per-conversation workflow on the first of two matching messages only', () => {
    const judgements = judge([workflow('cancel', cancel)], {
      messages: [{ text: 'cancel my subscription' }, { text: 'Cancel my subscription!' }],
    });
    expect(firedPerEvent(judgements)).toEqual([['cancel'], []]);
    expect(outcomesOf(judgements, 'cancel')[1]).toEqual({ outcome: 'held_back', reason: 'already_fired' });
  });

  it('holds a cooldown workflow back until its cooldown passed, on the one-second clock of a sample', () => {
    const cooling = workflow('cancel', cancel, { mode: 'cooldown', cooldownSeconds: 2 });
    const judgements = judge([cooling], {
      messages: Array.from({ length: 3 }, () => ({ text: 'cancel my subscription' })),
    });
    expect(outcomesOf(judgements, 'cancel')).toEqual([
      { outcome: 'fired' },
      { outcome: 'held_back', reason: 'cooling_down' },
      { outcome: 'fired' },
    ]);
  });

  it('judges conversation_end on the end of the conversation only, with the end as the last judgement', () => {
    const summary = workflow('summary', { type: 'conversation_end' });
    const messages = [{ text: 'thanks, bye' }];
    expect(firedPerEvent(judge([summary], { messages }))).toEqual([[]]);
    const ended = judge([summary], { messages, ended: true });
    expect(firedPerEvent(ended)).toEqual([[], ['summary']]);
    expect(ended[1]!.event?.type).toBe('conversation.ended');
  });

  it('never fires a workflow on an end its own action caused (loop protection)', () => {
    const summary = workflow('summary', { type: 'conversation_end' });
    const events = sampleConversationEvents({ messages: [{ text: 'thanks, bye' }], ended: true });
    const end = events.at(-1)!;
    if (end.type !== 'conversation.ended') throw new Error('the sample ends with its end');
    const causedBySummary = { ...end, data: { ...end.data, causedBy: { workflowId: 'summary', executionId: 'x1' } } };
    const judgements = judgeConversation([summary], [...events.slice(0, -1), causedBySummary], options);
    expect(outcomesOf(judgements, 'summary').at(-1)).toEqual({ outcome: 'held_back', reason: 'caused_by_itself' });
  });

  it('fires at most maxPerMinute workflows a minute per conversation, in firing order', () => {
    const everyTime = (id: string, priority: number) =>
      workflow(id, { type: 'ai_intent', intents: ['refund'] }, { mode: 'every_time', priority });
    const refund = { role: 'ai' as const, text: 'a refund, then', ai: { intent: 'refund', confidence: 1 } };
    const judgements = judge(
      [everyTime('low', 0), everyTime('high', 10)],
      { messages: [refund, refund] },
      {
        maxPerMinute: 3,
      },
    );
    expect(firedPerEvent(judgements)).toEqual([['high', 'low'], ['high']]);
    expect(outcomesOf(judgements, 'low')[1]).toEqual({ outcome: 'held_back', reason: 'rate_limited' });
  });

  it('judges conditions against the memory the conversation starts with', () => {
    const vipOnly = workflow('vip', {
      ...cancel,
      conditions: { op: 'equals', attribute: 'vip', value: true },
    } as Trigger);
    const messages = [{ text: 'cancel my subscription' }];
    expect(outcomesOf(judge([vipOnly], { messages }), 'vip')).toEqual([{ outcome: 'conditions_false' }]);
    expect(firedPerEvent(judge([vipOnly], { messages }, { ...options, memory: { vip: true } }))).toEqual([['vip']]);
  });

  it('judges no_reply timers only when asked to, on the events’ clock', () => {
    const nudge = workflow('nudge', { type: 'no_reply', waitingFor: 'contact', seconds: 1 });
    const conversation = { messages: [{ role: 'ai' as const, text: 'anything else?' }] };
    expect(firedPerEvent(judge([nudge], conversation))).toEqual([[]]);
    const timed = judge([nudge], conversation, { ...options, timersUntil: new Date('2000-01-01T00:00:05Z') });
    expect(timed.map(({ event, at }) => [event?.type, at])).toEqual([
      ['conversation.message.created', '2000-01-01T00:00:00.000Z'],
      [undefined, '2000-01-01T00:00:01.000Z'],
    ]);
    expect(firedPerEvent(timed)).toEqual([[], ['nudge']]);
  });

  it('runs drafts only on preview conversations', () => {
    const draft = { ...workflow('cancel', cancel), status: 'draft' as const };
    const messages = [{ text: 'cancel my subscription' }];
    expect(outcomesOf(judge([draft], { messages }), 'cancel')).toEqual([{ outcome: 'disabled' }]);
    expect(firedPerEvent(judge([draft], { messages, preview: true }))).toEqual([['cancel']]);
  });
});

describe('sampleConversationEvents', () => {
  it('makes a message event per message, one second apart, and the end last', () => {
    const events = sampleConversationEvents({ messages: [{ text: 'hi' }, failedAnswer], ended: true, preview: true });
    expect(events.map(({ type, time }) => [type, time])).toEqual([
      ['conversation.message.created', '2000-01-01T00:00:00.000Z'],
      ['conversation.message.created', '2000-01-01T00:00:01.000Z'],
      ['conversation.ended', '2000-01-01T00:00:02.000Z'],
    ]);
    expect(events[0]!.data).toMatchObject({ role: 'contact', text: 'hi', preview: true });
    expect(events[1]!.data).toMatchObject({ role: 'ai', ai: { answered: false } });
  });
});
