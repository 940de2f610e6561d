import type { ConversationEvent, FiringPolicy, TriggerMatch } from '@app/contracts';
import {
  memoryChangesOf,
  memoryLearntSince,
  newConversationState,
  recordEvent,
  recordFirings,
  TRANSCRIPT_LIMIT,
  TRANSCRIPT_MAX_CHARS,
  type ConversationState,
} from './conversation-state';
import { standInContactId } from '../ids/deterministic-id';
import { decideFirings, type FiringWorkflow } from './firing-policy';
import { eventInputOf } from './trigger-input';

const envelope = {
  specversion: '1.0' as const,
  source: '/test',
  time: '2026-11-24T10:00:00Z',
  subject: 'conv-1',
  tenantid: 'acme',
};
const message = (role: 'contact' | 'ai', text: string, extra: object = {}): ConversationEvent => ({
  ...envelope,
  id: `e-${Math.random()}`,
  type: 'conversation.message.created',
  data: { messageId: 'm', role, text, ...extra },
});

describe('conversation state', () => {
  it('keeps the recent transcript, counts failed AI answers, merges memory and notes the end', () => {
    let state = newConversationState('acme', 'conv-1', '2026-11-24T09:00:00Z');
    state = recordEvent(state, message('contact', 'hello', { memory: { plan: 'free', vip: true } }));
    state = recordEvent(state, message('ai', 'sorry, I do not know', { ai: { answered: false } }));
    state = recordEvent(state, message('ai', 'here you go', { ai: { answered: true } }));
    state = recordEvent(state, {
      ...envelope,
      id: 'e-m',
      type: 'contact.memory.updated',
      data: { contact: { id: 'c' }, attributes: { plan: 'enterprise', vip: null } },
    });
    expect(state.transcript.map((entry) => entry.text)).toEqual(['hello', 'sorry, I do not know', 'here you go']);
    expect(state.failedAnswers).toBe(1);
    expect(state.memory).toEqual({ plan: 'enterprise' });
    expect(state.ended).toBe(false);
    expect(recordEvent(state, { ...envelope, id: 'e-end', type: 'conversation.ended', data: {} }).ended).toBe(true);
  });

  it("knows its contact's details as events gave them, field by field, and starts afresh for another contact", () => {
    let state = newConversationState('acme', 'conv-1', '2026-11-24T09:00:00Z');
    state = recordEvent(
      state,
      message('contact', 'hi', { contact: { id: 'c1', name: 'Ada', email: 'ada@old.example' } }),
    );
    state = recordEvent(state, message('ai', 'hello Ada'));
    expect(state).toMatchObject({ contactId: 'c1', contactDetails: { name: 'Ada', email: 'ada@old.example' } });
    // A later event with one detail (or an empty one) changes that detail only.
    state = recordEvent(state, message('contact', 'x', { contact: { id: 'c1', email: 'ada@example.com', phone: '' } }));
    expect(state.contactDetails).toEqual({ name: 'Ada', email: 'ada@example.com' });
    state = recordEvent(state, message('contact', 'y', { contact: { id: 'c2', phone: '+442079460958' } }));
    expect(state).toMatchObject({ contactId: 'c2', contactDetails: { phone: '+442079460958' } });
    state = recordEvent(state, message('contact', 'z', { contact: { id: 'c3' } }));
    expect(state.contactId).toBe('c3');
    expect(state).not.toHaveProperty('contactDetails');
  });

  it('keeps what it learnt about one contact away from the next contact it names, but not from who a stand-in stood for', () => {
    let state = newConversationState('acme', 'conv-1', '2026-11-24T09:00:00Z');
    state = recordEvent(state, message('contact', 'hi', { contact: { id: 'y' }, memory: { vip: true, plan: 'pro' } }));
    expect(state.memory).toEqual({ vip: true, plan: 'pro' });
    // The next message names another contact and teaches one attribute of theirs.
    state = recordEvent(state, message('contact', 'hello', { contact: { id: 'x' }, memory: { plan: 'free' } }));
    expect(state.contactId).toBe('x');
    expect(state.memory).toEqual({ plan: 'free' });
    expect(Object.keys(state.memoryLearntAt ?? {})).toEqual(['plan']);

    const standIn = standInContactId('conv-2');
    let standing = newConversationState('acme', 'conv-2', '2026-11-24T09:00:00Z');
    standing = recordEvent(standing, {
      ...envelope,
      subject: 'conv-2',
      id: 'e-remember',
      type: 'contact.memory.updated',
      data: { contact: { id: standIn }, attributes: { vip: true } },
    });
    standing = recordEvent(standing, message('contact', 'hi', { contact: { id: 'c1' } }));
    expect(standing).toMatchObject({ contactId: 'c1', memory: { vip: true } });
  });

  it('takes an update_memory event for its stand-in, coming back after a message named the contact, as that contact’s', () => {
    let state = newConversationState('acme', 'conv-1', '2026-11-24T09:00:00Z');
    state = recordEvent(state, message('contact', 'order 42', { memory: { orderId: '42' } }));
    state = recordEvent(
      state,
      message('contact', 'hi', { contact: { id: 'c1', name: 'Ada' }, memory: { plan: 'pro' } }),
    );
    // A workflow that fired on the first message, before the contact was named, remembers for its stand-in.
    state = recordEvent(state, {
      ...envelope,
      id: 'e-remember',
      type: 'contact.memory.updated',
      data: { contact: { id: standInContactId('conv-1') }, attributes: { tagged: true } },
    });
    expect(state.contactId).toBe('c1');
    expect(state.contactDetails).toEqual({ name: 'Ada' });
    expect(state.memory).toEqual({ orderId: '42', plan: 'pro', tagged: true });
  });

  it('keeps the details known under its stand-in when the contact is named, and forgets them on a clear', () => {
    const standIn = standInContactId('conv-1');
    let state: ConversationState = {
      ...newConversationState('acme', 'conv-1', '2026-11-24T09:00:00Z'),
      contactDetails: { phone: '+1' },
    };
    state = recordEvent(state, {
      ...envelope,
      id: 'e-remember',
      type: 'contact.memory.updated',
      data: { contact: { id: standIn }, attributes: { vip: true } },
    });
    expect(state).toMatchObject({ contactId: standIn, contactDetails: { phone: '+1' } });
    state = recordEvent(state, message('contact', 'hi', { contact: { id: 'c1', name: 'Ada' } }));
    expect(state).toMatchObject({ contactId: 'c1', contactDetails: { phone: '+1', name: 'Ada' } });
    state = recordEvent(state, {
      ...envelope,
      id: 'e-clear',
      type: 'contact.memory.cleared',
      data: { contact: { id: 'c1' } },
    });
    expect(state.contactId).toBe('c1');
    expect(state).not.toHaveProperty('contactDetails');
  });

  it("forgets on a clear the contact's details an escalation waiting for an answer noted", () => {
    const waiting: ConversationState = {
      ...newConversationState('acme', 'conv-1', '2026-11-24T09:00:00Z'),
      contactId: 'c1',
      contactRequests: [
        {
          workflowId: 'wf',
          triggerId: 't',
          fields: ['phone'],
          until: '2026-11-24T10:05:00Z',
          match: { type: 'ai_request', score: 1, threshold: 1 },
          contact: { id: 'c1', name: 'Ada', email: 'ada@example.com' },
        },
      ],
    };
    const cleared = recordEvent(waiting, {
      ...envelope,
      id: 'e-clear',
      type: 'contact.memory.cleared',
      data: { contact: { id: 'c1' } },
    });
    expect(cleared.contactRequests).toEqual([{ ...waiting.contactRequests![0], contact: { id: 'c1' } }]);
  });

  it('forgets what the conversation learnt before contact.memory.cleared, and keeps the rest', () => {
    let state = newConversationState('acme', 'conv-1', '2026-11-24T09:00:00Z');
    state = recordEvent(state, message('contact', 'hello', { memory: { vip: true } }));
    // Processed before the clear, but dated after it (events of a conversation may arrive out of order).
    state = recordEvent(state, {
      ...message('contact', 'hi', { memory: { lang: 'fr' } }),
      time: '2026-11-24T10:20:00Z',
    });
    const cleared: ConversationEvent = {
      ...envelope,
      id: 'e-clear',
      time: '2026-11-24T10:05:00Z',
      type: 'contact.memory.cleared',
      data: { contact: { id: 'c-9' } },
    };
    state = recordEvent(state, cleared);
    expect(state.memory).toEqual({ lang: 'fr' });
    expect(state.memoryLearntAt).toEqual({ lang: '2026-11-24T10:20:00Z' });
    expect(state.contactId).toBe('c-9');
    expect(state.transcript.map((entry) => entry.text)).toEqual(['hello', 'hi']);
    expect(memoryChangesOf(cleared)).toEqual({});
    expect(eventInputOf(cleared, state, {})).toBeNull();
  });

  it('notes when each attribute of its own memory was learnt, and keeps only those since a clear', () => {
    const at = (time: string) => `2026-11-24T${time}:00Z`;
    let state = newConversationState('acme', 'conv-1', at('09:00'));
    state = recordEvent(state, {
      ...message('contact', 'hi', { memory: { lang: 'fr', vip: true } }),
      time: at('10:00'),
    });
    state = recordEvent(state, {
      ...envelope,
      id: 'e-m',
      time: at('10:10'),
      type: 'contact.memory.updated',
      data: { contact: { id: 'c' }, attributes: { plan: 'pro', vip: null } },
    });
    expect(state.memory).toEqual({ lang: 'fr', plan: 'pro' });
    expect(state.memoryLearntAt).toEqual({ lang: at('10:00'), plan: at('10:10') });
    expect(memoryLearntSince(state, at('10:05'))).toEqual({
      memory: { plan: 'pro' },
      memoryLearntAt: { plan: at('10:10') },
    });
    expect(memoryLearntSince(state, at('10:00')).memory).toEqual({ lang: 'fr', plan: 'pro' });
    // A state written before times were noted: its memory counts as learnt before any clear.
    expect(memoryLearntSince({ ...state, memoryLearntAt: undefined }, at('09:00')).memory).toEqual({});
  });

  it('bounds the transcript', () => {
    let state = newConversationState('acme', 'conv-1', '2026-11-24T09:00:00Z');
    for (let i = 0; i < TRANSCRIPT_LIMIT + 5; i += 1) state = recordEvent(state, message('contact', `m${i}`));
    expect(state.transcript).toHaveLength(TRANSCRIPT_LIMIT);
    expect(state.transcript[0]?.text).toBe('m5');
  });

  it('bounds the transcript’s text, dropping the oldest messages first and keeping the newest', () => {
    let state = newConversationState('acme', 'conv-1', '2026-11-24T09:00:00Z');
    const long = (i: number) => `${i}`.padEnd(20_000, '.');
    for (let i = 0; i < 10; i += 1) state = recordEvent(state, message('contact', long(i)));
    const texts = state.transcript.map((entry) => entry.text);
    expect(texts.join('').length).toBeLessThanOrEqual(TRANSCRIPT_MAX_CHARS);
    expect(texts).toEqual([long(8), long(9)]);
    state = recordEvent(state, message('ai', 'short answer'));
    expect(state.transcript.map((entry) => entry.text)).toEqual([long(8), long(9), 'short answer']);
  });
});

describe('decideFirings', () => {
  const now = new Date('2026-11-24T10:00:00Z');
  const intent = (score: number): TriggerMatch => ({ type: 'intent', phrase: 'p', score, threshold: 0.5 });
  const candidate = (id: string, firing: FiringPolicy, score = 1) => ({
    workflow: {
      id,
      name: id,
      status: 'enabled' as const,
      trigger: { type: 'intent' as const, phrases: ['p'] },
      firing,
    } satisfies FiringWorkflow,
    match: intent(score),
  });
  const once: FiringPolicy = { mode: 'once_per_conversation' };
  const decide = (
    candidates: ReturnType<typeof candidate>[],
    firedAgo?: { id: string; seconds: number }[],
    causedBy?: string,
  ) => {
    let state = newConversationState('acme', 'conv-1', '2026-11-24T09:00:00Z');
    for (const firing of firedAgo ?? [])
      state = recordFirings(state, [firing.id], new Date(now.getTime() - firing.seconds * 1000));
    const decision = decideFirings(candidates, state, { now, maxPerMinute: 3, causedByWorkflowId: causedBy });
    return { fired: decision.fire.map(({ workflow }) => workflow.id), suppressed: decision.suppressed };
  };

  it('fires a workflow once per conversation by default, every time, or after its cooldown', () => {
    expect(decide([candidate('a', once)]).fired).toEqual(['a']);
    expect(decide([candidate('a', once)], [{ id: 'a', seconds: 3600 }]).suppressed).toEqual([
      { workflowId: 'a', reason: 'already_fired' },
    ]);
    expect(decide([candidate('a', { mode: 'every_time' })], [{ id: 'a', seconds: 1 }]).fired).toEqual(['a']);
    const cooldown: FiringPolicy = { mode: 'cooldown', cooldownSeconds: 600 };
    expect(decide([candidate('a', cooldown)], [{ id: 'a', seconds: 60 }]).suppressed).toEqual([
      { workflowId: 'a', reason: 'cooling_down' },
    ]);
    expect(decide([candidate('a', cooldown)], [{ id: 'a', seconds: 601 }]).fired).toEqual(['a']);
  });

  it('never lets a workflow trigger itself, and lets only the best of competing intents fire', () => {
    expect(decide([candidate('a', once)], [], 'a').suppressed).toEqual([
      { workflowId: 'a', reason: 'caused_by_itself' },
    ]);
    const competing = decide([candidate('best', once, 0.9), candidate('second', once, 0.7)]);
    expect(competing.fired).toEqual(['best']);
    expect(competing.suppressed).toEqual([{ workflowId: 'second', reason: 'outranked' }]);
    // The best one having fired already does not promote the second.
    expect(
      decide([candidate('best', once, 0.9), candidate('second', once, 0.7)], [{ id: 'best', seconds: 5 }]).fired,
    ).toEqual([]);
  });

  it('caps firings per conversation per minute', () => {
    const recent = [
      { id: 'x', seconds: 10 },
      { id: 'y', seconds: 20 },
      { id: 'z', seconds: 30 },
    ];
    expect(decide([candidate('a', once)], recent).suppressed).toEqual([{ workflowId: 'a', reason: 'rate_limited' }]);
    expect(
      decide(
        [candidate('a', once)],
        recent.map((firing) => ({ ...firing, seconds: 61 })),
      ).fired,
    ).toEqual(['a']);
  });

  it("remembers each workflow's last firing however many firings came after, and forgets the rest after a minute", () => {
    // The once-only workflow fired first, then another one every 30 s for five hours.
    const firedAgo = [
      { id: 'once', seconds: 18_000 },
      ...Array.from({ length: 600 }, (_, index) => ({ id: 'chatty', seconds: 18_000 - 30 * (index + 1) })),
    ];
    expect(decide([candidate('once', once)], firedAgo).suppressed).toEqual([
      { workflowId: 'once', reason: 'already_fired' },
    ]);
    let state = newConversationState('acme', 'conv-1', '2026-11-24T05:00:00Z');
    for (const { id, seconds } of firedAgo)
      state = recordFirings(state, [id], new Date(now.getTime() - seconds * 1000));
    expect(state.firings.map(({ workflowId }) => workflowId)).toEqual(['once', 'chatty', 'chatty']);
  });
});
