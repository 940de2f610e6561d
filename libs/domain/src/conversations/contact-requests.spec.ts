import type { ConversationEvent, WorkflowDefinition, WorkflowTriggered } from '@app/contracts';
import {
  awaitContact,
  contactAskOf,
  contactDetailsIn,
  contactRequestsDueAt,
  conversationContact,
  escalationContact,
  handOffContact,
  handOffsAfter,
  handOffsDue,
  withEscalationDetails,
} from './contact-requests';
import { standInContactId } from '../ids/deterministic-id';
import { newConversationState, recordEvent } from './conversation-state';
import { isExpired, nextWakeUpAt } from './timers';

const now = new Date('2026-12-07T10:00:00.000Z');

const escalation = (requireContact?: object): WorkflowDefinition =>
  ({
    id: 'wf-escalate',
    tenantId: 'acme',
    name: 'Escalate',
    version: 1,
    status: 'enabled',
    trigger: { type: 'intent', phrases: ['talk to a human'] },
    action: {
      type: 'escalate',
      ...(requireContact ? { requireContact: { prompt: { text: 'Your number?' }, ...requireContact } } : {}),
    },
    firing: { mode: 'once_per_conversation' },
    signingSecret: 'whsec_c2VjcmV0',
    updatedAt: now.toISOString(),
  }) as WorkflowDefinition;

const trigger: WorkflowTriggered = {
  triggerId: 'trigger-1',
  tenantId: 'acme',
  conversationId: 'conv-1',
  workflow: { id: 'wf-escalate', version: 1, name: 'Escalate' },
  event: { id: 'e1', source: '/p', type: 'conversation.message.created', time: now.toISOString() },
  message: { id: 'm1', role: 'contact', text: 'I want a human' },
  contact: { id: 'c1', name: 'Ada' },
  match: { type: 'intent', score: 0.93, threshold: 0.85, phrase: 'talk to a human' },
  firedAt: now.toISOString(),
};

function message(text: string, role: 'contact' | 'ai' = 'contact', contact?: object): ConversationEvent {
  return {
    specversion: '1.0',
    id: `e-${text}`,
    source: '/p',
    type: 'conversation.message.created',
    time: now.toISOString(),
    subject: 'conv-1',
    tenantid: 'acme',
    data: { messageId: `m-${text}`, role, text, ...(contact ? { contact } : {}) },
  } as ConversationEvent;
}

const open = { ended: false };

function waitingFor(fields: ('email' | 'phone')[], waitSeconds = 300, phoneRegion?: string) {
  const definition = escalation({ fields, waitSeconds, ...(phoneRegion ? { phoneRegion } : {}) });
  const ask = contactAskOf(definition, trigger.contact, open, now)!;
  return awaitContact(newConversationState('acme', 'conv-1', now.toISOString()), trigger, ask, definition);
}

describe('contact requests', () => {
  it('asks and waits only for an escalation with requireContact, a wait, and a field missing', () => {
    expect(contactAskOf(escalation({ fields: ['phone'] }), trigger.contact, open, now)).toEqual({
      stage: 'ask',
      fields: ['phone'],
      until: '2026-12-07T10:05:00.000Z',
    });
    expect(
      contactAskOf(escalation({ fields: ['email', 'phone'], waitSeconds: 60 }), undefined, open, now),
    ).toMatchObject({
      fields: ['email', 'phone'],
      until: '2026-12-07T10:01:00.000Z',
    });
    expect(contactAskOf(escalation({ fields: ['phone'], waitSeconds: 0 }), trigger.contact, open, now)).toBeNull();
    expect(contactAskOf(escalation({ fields: ['phone'] }), { id: 'c1', phone: '+442079460958' }, open, now)).toBeNull();
    expect(contactAskOf(escalation(), trigger.contact, open, now)).toBeNull();
    // Nobody would answer in a conversation that ended: it hands off at once.
    expect(contactAskOf(escalation({ fields: ['phone'] }), trigger.contact, { ended: true }, now)).toBeNull();
  });

  it('hands off once the contact gave every field asked for, keeping a partial answer', () => {
    const state = waitingFor(['email', 'phone']);
    const afterEmail = handOffsAfter(state, message('it is ada@example.com'));
    expect(afterEmail.handOffs).toEqual([]);
    expect(afterEmail.state.contactRequests?.[0]?.contact).toEqual({ id: 'c1', name: 'Ada', email: 'ada@example.com' });
    // An AI message's text is not the contact's answer.
    expect(handOffsAfter(afterEmail.state, message('call +44 20 7946 0958', 'ai')).handOffs).toEqual([]);
    const afterPhone = handOffsAfter(afterEmail.state, message('and my number is +44 20 7946 0958.'));
    expect(afterPhone.handOffs).toEqual([
      expect.objectContaining({
        outcome: 'answered',
        request: expect.objectContaining({
          triggerId: 'trigger-1',
          match: trigger.match,
          message: trigger.message,
          contact: { id: 'c1', name: 'Ada', email: 'ada@example.com', phone: '+442079460958' },
        }),
      }),
    ]);
    expect(afterPhone.state).not.toHaveProperty('contactRequests');
  });

  it('does not ask for what an earlier event of the conversation gave, nor for what the contact answered an earlier ask', () => {
    const started = newConversationState('acme', 'conv-1', now.toISOString());
    const told = recordEvent(started, message('hi', 'contact', { id: 'c1', name: 'Ada', email: 'ada@example.com' }));
    const later = recordEvent(told, message('I want a human'));
    expect(conversationContact(later)).toEqual({ id: 'c1', name: 'Ada', email: 'ada@example.com' });
    expect(contactAskOf(escalation({ fields: ['email'] }), conversationContact(later), open, now)).toBeNull();

    // Told in answer to one escalation: another one does not ask again.
    const answered = handOffsAfter(waitingFor(['phone']), message('it is +44 20 7946 0958'));
    expect(answered.handOffs.map(({ outcome }) => outcome)).toEqual(['answered']);
    expect(answered.state.contactDetails).toEqual({ phone: '+442079460958' });
    const another = escalation({ fields: ['phone'] });
    expect(escalationContact(another, answered.state, undefined, undefined)).toMatchObject({ phone: '+442079460958' });
    expect(
      contactAskOf(another, escalationContact(another, answered.state, undefined, undefined), open, now),
    ).toBeNull();
  });

  it('keeps only the fields asked for from an answer, and what an event gave over what the contact wrote', () => {
    const platformPhone = { ...waitingFor(['email']), contactDetails: { phone: '+14155550123' } };
    const { state } = handOffsAfter(platformPhone, message('ada@example.com, or call +44 20 7946 0958'));
    expect(state.contactDetails).toEqual({ phone: '+14155550123', email: 'ada@example.com' });
    // An address mentioned in passing, while only a number was asked for, is not kept.
    const passing = handOffsAfter(waitingFor(['phone']), message('I wrote to support@acme.com, call +44 20 7946 0958'));
    expect(passing.state.contactDetails).toEqual({ phone: '+442079460958' });
    expect(passing.handOffs[0]!.request.contact).toEqual({ id: 'c1', name: 'Ada', phone: '+442079460958' });
    // Nor by the escalation that fires on it: the conversation's own phone wins over the words too.
    const known = recordEvent(
      newConversationState('acme', 'conv-1', now.toISOString()),
      message('hi', 'contact', { id: 'c1', phone: '+14155550123' }),
    );
    const phoneOnly = escalation({ fields: ['phone'] });
    const firing = { role: 'contact', text: 'I wrote to support@acme.com; call +44 20 7946 0958' };
    expect(escalationContact(phoneOnly, known, { id: 'c1', phone: '+14155550123' }, firing)).toEqual({
      id: 'c1',
      phone: '+14155550123',
    });
  });

  it("does not take what another contact, named since, answered the same escalation's question", () => {
    const both = escalation({ fields: ['email', 'phone'] });
    const ada = recordEvent(
      newConversationState('acme', 'conv-1', now.toISOString()),
      message('I want a human', 'contact', { id: 'c1', name: 'Ada' }),
    );
    const ask = contactAskOf(both, conversationContact(ada), open, now)!;
    const asked = handOffsAfter(awaitContact(ada, trigger, ask, both), message('ada@example.com')).state;
    expect(asked.contactRequests![0]!.contact).toMatchObject({ id: 'c1', email: 'ada@example.com' });
    const bob = recordEvent(asked, message('hello', 'contact', { id: 'c2', name: 'Bob' }));
    expect(escalationContact(both, bob, { id: 'c2', name: 'Bob' }, undefined)).toEqual({ id: 'c2', name: 'Bob' });
  });

  it("keeps what the message that fired an escalation gave, with a partial answer's rest", () => {
    const state = newConversationState('acme', 'conv-1', now.toISOString());
    const both = escalation({ fields: ['email', 'phone'] });
    const contact = escalationContact(both, state, undefined, { role: 'contact', text: 'call me on +44 20 7946 0958' });
    const firing = withEscalationDetails(state, both, contact);
    expect(firing.contactDetails).toEqual({ phone: '+442079460958' });
    const ask = contactAskOf(both, contact, open, now)!;
    expect(ask.fields).toEqual(['email']);
    const answered = handOffsAfter(awaitContact(firing, trigger, ask, both), message('ada@example.com'));
    expect(answered.handOffs.map(({ outcome }) => outcome)).toEqual(['answered']);
    expect(answered.state.contactDetails).toEqual({ phone: '+442079460958', email: 'ada@example.com' });
  });

  it('hands off with the contact asked, or with the one named since when it is another', () => {
    const asked = waitingFor(['phone']);
    const request = asked.contactRequests![0]!;
    const named = recordEvent(asked, message('hello', 'contact', { id: 'c1', email: 'ada@example.com' }));
    expect(handOffContact(named, request)).toEqual({ id: 'c1', name: 'Ada', email: 'ada@example.com' });
    const other = recordEvent(asked, message('hello', 'contact', { id: 'c2', name: 'Bob' }));
    expect(handOffContact(other, request)).toEqual({ id: 'c2', name: 'Bob' });
    // Asked while the conversation stood in for its contact: the contact named since is that person.
    const standIn = { ...request, contact: { id: standInContactId('conv-1'), phone: '+442079460958' } };
    expect(handOffContact(other, standIn)).toEqual({ id: 'c2', name: 'Bob', phone: '+442079460958' });
  });

  it('takes contact details the platform sends on any message', () => {
    const state = waitingFor(['email']);
    const { handOffs } = handOffsAfter(state, message('thanks', 'ai', { id: 'c1', email: 'ada@example.com' }));
    expect(handOffs.map(({ outcome, request }) => [outcome, request.contact?.email])).toEqual([
      ['answered', 'ada@example.com'],
    ]);
  });

  it('hands off at the end of the conversation, and when the wait is over, with the fields still missing', () => {
    const state = waitingFor(['phone'], 60);
    const ended = handOffsAfter(state, {
      ...message('bye'),
      type: 'conversation.ended',
      data: {},
    } as ConversationEvent);
    expect(ended.handOffs.map(({ outcome }) => outcome)).toEqual(['ended']);
    expect(handOffsDue(state, new Date('2026-12-07T10:00:59.999Z')).handOffs).toEqual([]);
    const due = handOffsDue(state, new Date('2026-12-07T10:01:00.000Z'));
    expect(due.handOffs.map(({ outcome, request }) => [outcome, request.contact])).toEqual([
      ['timed_out', trigger.contact],
    ]);
    expect(due.state.contactRequests).toBeUndefined();
  });

  it('wakes the conversation up when a wait is over, and keeps its state until then', () => {
    const state = waitingFor(['phone'], 60);
    const expiry = { idleSeconds: 10, endedSeconds: 0 };
    expect(contactRequestsDueAt(state)).toBe(Date.parse('2026-12-07T10:01:00.000Z'));
    expect(nextWakeUpAt(state, [], expiry)).toBe(Date.parse('2026-12-07T10:01:00.000Z'));
    expect(isExpired(state, [], expiry, new Date('2026-12-07T10:00:30.000Z'))).toBe(false);
    const { state: handedOff } = handOffsDue(state, new Date('2026-12-07T10:01:00.000Z'));
    expect(isExpired(handedOff, [], expiry, new Date('2026-12-07T10:01:00.000Z'))).toBe(true);
  });

  it("adds what the contact's message that fired an escalation gives, so that it is not asked for", () => {
    const requiring = escalation({ fields: ['phone'] });
    const fresh = newConversationState('acme', 'conv-1', now.toISOString());
    const said = { role: 'contact', text: 'I want a human, call me on +44 20 7946 0958' };
    const contact = escalationContact(requiring, { ...fresh, contactId: 'c1' }, trigger.contact, said);
    expect(contact).toEqual({ id: 'c1', name: 'Ada', phone: '+442079460958' });
    expect(contactAskOf(requiring, contact, open, now)).toBeNull();
    expect(escalationContact(requiring, fresh, undefined, said)).toEqual({
      id: 'conversation:conv-1',
      phone: '+442079460958',
    });
    // Only the contact's own words, and only for escalations that require contact details.
    expect(escalationContact(requiring, fresh, trigger.contact, { ...said, role: 'ai' })).toBe(trigger.contact);
    expect(escalationContact(escalation(), fresh, trigger.contact, said)).toBe(trigger.contact);
  });

  it("reads a number without its country code as from the workflow's phoneRegion, and only then", () => {
    const national = message('020 7946 0958');
    expect(handOffsAfter(waitingFor(['phone']), national).handOffs).toEqual([]);
    const { handOffs } = handOffsAfter(waitingFor(['phone'], 300, 'GB'), national);
    expect(handOffs.map(({ request }) => request.contact?.phone)).toEqual(['+442079460958']);
  });

  it('a newer ask of the same workflow replaces the older one', () => {
    const state = waitingFor(['phone']);
    const definition = escalation({ fields: ['phone'] });
    const again = awaitContact(
      state,
      { ...trigger, triggerId: 'trigger-2' },
      contactAskOf(definition, trigger.contact, open, now)!,
      definition,
    );
    expect(again.contactRequests?.map(({ triggerId }) => triggerId)).toEqual(['trigger-2']);
  });

  it('keeps a partial answer when the same escalation fires again while it waits', () => {
    const definition = escalation({ fields: ['email', 'phone'] });
    const fresh = newConversationState('acme', 'conv-1', now.toISOString());
    const first = contactAskOf(definition, trigger.contact, open, now)!;
    const waiting = awaitContact(fresh, trigger, first, definition);
    const { state: halfAnswered } = handOffsAfter(waiting, message('ada@example.com'));
    // "I want a human" again: only the number is still missing.
    const contact = escalationContact(definition, halfAnswered, trigger.contact, trigger.message);
    expect(contact).toEqual({ id: 'c1', name: 'Ada', email: 'ada@example.com' });
    expect(contactAskOf(definition, contact, open, now)).toMatchObject({ fields: ['phone'] });
  });

  it.each([
    ['my email is Ada.Lovelace+help@example.co.uk.', undefined, { email: 'Ada.Lovelace+help@example.co.uk' }],
    ['+44 20 7946 0958', undefined, { phone: '+442079460958' }],
    ['call me on (212) 555-0123 after 5', 'US', { phone: '+12125550123' }],
    ['call me on (212) 555-0123 after 5', undefined, {}],
    ['07946 095858 or ada@example.com', 'GB', { email: 'ada@example.com', phone: '+447946095858' }],
    // Not phone numbers: an order number, dates, an IP address, a price, a fictional 555 number.
    ['My order #12345678', 'US', {}],
    ['since 07.12.2026 or 2026-12-07 10:30', 'GB', {}],
    ['from 192.168.1.10', 'US', {}],
    ['it cost 12 999.00 EUR', 'GB', {}],
    ['+1 555 0100 200', undefined, {}],
    ['ada at example dot com', undefined, {}],
  ])('reads contact details in %j (phone region %s)', (text, region, expected) => {
    expect(contactDetailsIn(text, region)).toEqual(expected);
  });
});
