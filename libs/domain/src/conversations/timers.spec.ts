import type { ConversationEvent, Trigger } from '@app/contracts';
import { evaluateWorkflows, explainWorkflows, runsOn, type CandidateWorkflow } from '../triggers';
import { effectiveMemory, isNewerAttribute, MAX_MEMORY_CHARS, memoryFits } from './contact-memory';
import {
  memoryChangesOf,
  newConversationState,
  recordEvent,
  withoutMemoryChanges,
  type ConversationState,
} from './conversation-state';
import { expiresAt, isExpired, markTimersDecided, nextWakeUpAt, timerInputOf, timersDueAt } from './timers';

const T0 = Date.parse('2026-11-24T10:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

const event = (seconds: number, body: Pick<ConversationEvent, 'type' | 'data'>): ConversationEvent =>
  ({
    specversion: '1.0',
    id: `e-${seconds}-${Math.random()}`,
    source: '/test',
    time: at(seconds),
    subject: 'conv-1',
    tenantid: 'acme',
    ...body,
  }) as ConversationEvent;
const message = (seconds: number, role: 'contact' | 'ai' | 'agent', extra: object = {}) =>
  event(seconds, { type: 'conversation.message.created', data: { messageId: 'm', role, text: 'hi', ...extra } });
const ended = (seconds: number) => event(seconds, { type: 'conversation.ended', data: {} });

const noReply = (
  id: string,
  waitingFor: 'contact' | 'agent',
  seconds: number,
  extra: object = {},
): CandidateWorkflow => ({
  id,
  name: id,
  status: 'enabled',
  trigger: { type: 'no_reply', waitingFor, seconds, ...extra } as Trigger,
});
const expiry = { idleSeconds: 3600, endedSeconds: 60 };

function replay(...events: ConversationEvent[]): ConversationState {
  return events.reduce((state, event) => recordEvent(state, event), newConversationState('acme', 'conv-1', at(0)));
}

describe('no_reply timers', () => {
  const nudge = noReply('nudge', 'contact', 300);
  const sla = noReply('sla', 'agent', 60);

  it('start on a message from one side and wait for the other, counting from the first unanswered message', () => {
    const state = replay(message(0, 'ai'), message(30, 'agent'));
    expect(state.waiting).toEqual({ for: 'contact', since: at(0), handled: [] });
    expect(timersDueAt(state, [nudge, sla])).toBe(T0 + 300_000);
    expect(replay(message(0, 'contact')).waiting).toEqual({ for: 'agent', since: at(0), handled: [] });
    expect(timersDueAt(replay(message(0, 'contact')), [nudge, sla])).toBe(T0 + 60_000);
  });

  it('fire once the wait reached the delay, not before', () => {
    const state = replay(message(0, 'ai'));
    const explained = (seconds: number) =>
      explainWorkflows([nudge], timerInputOf(state, new Date(T0 + seconds * 1000), {})!)[0]!;
    expect(explained(299)).toMatchObject({ outcome: 'below_threshold', match: { type: 'no_reply', threshold: 1 } });
    expect(explained(300)).toMatchObject({
      outcome: 'fired',
      match: { score: 1, detail: 'no reply from the contact for 300 s (fires after 300 s)' },
    });
  });

  it('are cancelled by a reply from the awaited side, and by the end of the conversation', () => {
    const replied = replay(message(0, 'ai'), message(100, 'contact'));
    expect(replied.waiting).toEqual({ for: 'agent', since: at(100), handled: [] });
    expect(timersDueAt(replied, [nudge])).toBeNull();
    expect(evaluateWorkflows([nudge], timerInputOf(replied, new Date(T0 + 1_000_000), {})!)).toEqual([]);
    const over = replay(message(0, 'ai'), ended(10));
    expect(over.waiting).toBeUndefined();
    expect(timerInputOf(over, new Date(T0 + 1_000_000), {})).toBeNull();
    // Nothing waits after the end: a closing message ("this conversation is closed") starts no wait.
    const closed = replay(message(0, 'contact'), ended(10), message(11, 'ai'));
    expect(closed.waiting).toBeUndefined();
    expect(timersDueAt(closed, [nudge, sla])).toBeNull();
  });

  it('decide each workflow once per wait, so that a repeated tick fires nothing, and a new wait arms it again', () => {
    let state = replay(message(0, 'ai'));
    state = markTimersDecided(state, ['nudge']);
    expect(timersDueAt(state, [nudge])).toBeNull();
    expect(evaluateWorkflows([nudge], timerInputOf(state, new Date(T0 + 400_000), {})!)).toEqual([]);
    state = [message(500, 'contact'), message(510, 'ai')].reduce(
      (earlier, event) => recordEvent(earlier, event),
      state,
    );
    expect(timersDueAt(state, [nudge])).toBe(T0 + 810_000);
  });

  it("leave out waits already overdue when the workflow's version was made: a new workflow nudges no dormant conversation", () => {
    const dormant = replay(message(0, 'ai'));
    const madeAt = (seconds: number) => ({ ...nudge, updatedAt: at(seconds) });
    // Made a day into the wait: this wait is not its business, on a tick or in the schedule.
    const late = madeAt(86_400);
    expect(timersDueAt(dormant, [late])).toBeNull();
    expect(explainWorkflows([late], timerInputOf(dormant, new Date(T0 + 86_460_000), {})!)[0]!.outcome).toBe(
      'not_applicable',
    );
    // Made while the wait was still short of its 300 s: judged as if it had always been live.
    const inTime = madeAt(200);
    expect(timersDueAt(dormant, [inTime])).toBe(T0 + 300_000);
    expect(explainWorkflows([inTime], timerInputOf(dormant, new Date(T0 + 300_000), {})!)[0]!.outcome).toBe('fired');
    // A wait that starts after the version is judged as usual.
    const next = [message(90_000, 'contact'), message(90_010, 'ai')].reduce(
      (earlier, event) => recordEvent(earlier, event),
      dormant,
    );
    expect(timersDueAt(next, [late])).toBe(T0 + 90_310_000);
  });

  it('are not evaluated on messages, only when a timer wakes the conversation up', () => {
    expect(explainWorkflows([nudge], { message: { role: 'contact', text: 'hi' } })[0]!.outcome).toBe('not_applicable');
  });

  it('respect conditions over the memory at the due time', () => {
    const vipOnly = noReply('vip', 'contact', 10, { conditions: { op: 'equals', attribute: 'vip', value: true } });
    const state = replay(message(0, 'ai'));
    const now = new Date(T0 + 20_000);
    expect(evaluateWorkflows([vipOnly], timerInputOf(state, now, { vip: true })!)).toHaveLength(1);
    expect(explainWorkflows([vipOnly], timerInputOf(state, now, {})!)[0]!.outcome).toBe('conditions_false');
  });
});

describe('state expiry', () => {
  it('forgets an idle conversation after the idle time and an ended one sooner, but never before a pending timer', () => {
    const idle = replay(message(0, 'contact'));
    expect(expiresAt(idle, expiry)).toBe(T0 + 3_600_000);
    expect(isExpired(idle, [], expiry, new Date(T0 + 3_599_000))).toBe(false);
    expect(isExpired(idle, [], expiry, new Date(T0 + 3_600_000))).toBe(true);
    expect(nextWakeUpAt(idle, [], expiry)).toBe(T0 + 3_600_000);

    const longWait = noReply('long', 'agent', 7200);
    expect(nextWakeUpAt(idle, [longWait], expiry)).toBe(T0 + 7_200_000);
    expect(isExpired(idle, [longWait], expiry, new Date(T0 + 5_000_000))).toBe(false);
    expect(isExpired(markTimersDecided(idle, ['long']), [longWait], expiry, new Date(T0 + 7_200_000))).toBe(true);

    const over = replay(message(0, 'contact'), ended(10));
    expect(nextWakeUpAt(over, [longWait], expiry)).toBe(T0 + 70_000);
  });

  it('counts from when a late event was processed, not from its own time, so a late delivery does not expire at once', () => {
    const twoHoursLater = new Date(T0 + 7_200_000);
    let late = recordEvent(replay(), message(0, 'contact'), twoHoursLater);
    late = recordEvent(late, ended(10), twoHoursLater);
    expect(expiresAt(late, expiry)).toBe(T0 + 7_260_000);
    expect(isExpired(late, [], expiry, new Date(T0 + 7_201_000))).toBe(false);
    // An event processed before its own time (the platform's clock ahead) counts from its time.
    expect(recordEvent(replay(), message(60, 'contact'), new Date(T0)).lastEventAt).toBe(at(60));
  });
});

describe('drafts and preview conversations', () => {
  it('run drafts only on preview conversations, enabled workflows everywhere, disabled ones nowhere', () => {
    expect([runsOn('enabled', {}), runsOn('draft', {}), runsOn('disabled', {})]).toEqual([true, false, false]);
    expect([runsOn('enabled', { preview: true }), runsOn('draft', { preview: true })]).toEqual([true, true]);
    expect(runsOn('disabled', { preview: true })).toBe(false);
  });

  it('remembers that a conversation is a preview one, and arms draft timers only there', () => {
    const draft = { ...noReply('draft', 'contact', 5), status: 'draft' as const };
    expect(timersDueAt(replay(message(0, 'ai')), [draft])).toBeNull();
    const preview = replay(message(0, 'contact', { preview: true }), message(1, 'ai'));
    expect(preview.preview).toBe(true);
    expect(timersDueAt(preview, [draft])).toBe(T0 + 6_000);
  });
});

describe('contact memory', () => {
  it('learns the contact and the attribute changes of an event', () => {
    const state = replay(message(0, 'contact', { contact: { id: 'c-1' }, memory: { vip: true } }), message(1, 'ai'));
    expect(state.contactId).toBe('c-1');
    expect(memoryChangesOf(message(0, 'contact', { memory: { vip: true } }))).toEqual({ vip: true });
    expect(
      memoryChangesOf(
        event(0, { type: 'contact.memory.updated', data: { contact: { id: 'c' }, attributes: { plan: null } } }),
      ),
    ).toEqual({ plan: null });
    expect(memoryChangesOf(ended(0))).toEqual({});
  });

  it("lets the contact's memory override the conversation's, a cleared attribute removing it; the latest event wins", () => {
    expect(
      effectiveMemory({ plan: 'free', vip: true, local: 1 }, [
        ['plan', { value: 'enterprise', at: at(5) }],
        ['vip', { value: null, at: at(6) }],
      ]),
    ).toEqual({ plan: 'enterprise', local: 1 });
    expect(isNewerAttribute({ value: 1, at: at(10) }, { value: 2, at: at(9) })).toBe(false);
    expect(isNewerAttribute({ value: 1, at: at(10) }, { value: 2, at: at(10) })).toBe(true);
  });

  it('bounds the size of memory: a change that would take it over the limit does not fit; clearing always does', () => {
    const half = 'x'.repeat(MAX_MEMORY_CHARS / 2);
    expect(memoryFits({}, { notes: half })).toBe(true);
    expect(memoryFits({ notes: half }, { more: half })).toBe(false);
    expect(memoryFits({ notes: half }, { notes: half.slice(1) })).toBe(true);
    expect(memoryFits({ notes: half, more: half }, { more: null })).toBe(true);
  });

  it('drops only the memory changes of a refused event', () => {
    const refused = withoutMemoryChanges(message(0, 'contact', { contact: { id: 'c-1' }, memory: { vip: true } }));
    expect(memoryChangesOf(refused)).toEqual({});
    expect(refused.data).toEqual({ messageId: 'm', role: 'contact', text: 'hi', contact: { id: 'c-1' } });
    const update = event(0, { type: 'contact.memory.updated', data: { contact: { id: 'c' }, attributes: { a: 1 } } });
    expect(memoryChangesOf(withoutMemoryChanges(update))).toEqual({});
    const end = ended(0);
    expect(withoutMemoryChanges(end)).toBe(end);
  });
});
