import { parseConversationEvent, type WorkflowDefinition, type WorkflowTriggered } from '@app/contracts';
import { flatPayload, planAction } from './action-plan';

const trigger: WorkflowTriggered = {
  triggerId: 't1',
  tenantId: 'acme',
  conversationId: 'conv-1',
  workflow: { id: '00000000-0000-4000-8000-000000000001', version: 1, name: 'Escalate' },
  event: { id: 'e1', source: '/p', type: 'conversation.message.created', time: '2026-11-24T10:00:00.000Z' },
  message: { id: 'm1', role: 'contact', text: 'I want a human' },
  contact: { id: 'c1', name: 'Ada', email: 'ada@example.com' },
  transcript: [{ role: 'contact', text: 'I want a human', time: '2026-11-24T10:00:00.000Z' }],
  match: { type: 'intent', score: 1, threshold: 0.75, phrase: 'talk to a human' },
  firedAt: '2026-11-24T10:00:00.100Z',
};

const definition = (action: WorkflowDefinition['action']): WorkflowDefinition => ({
  id: trigger.workflow.id,
  tenantId: 'acme',
  name: 'Escalate',
  version: 1,
  status: 'enabled',
  trigger: { type: 'intent', phrases: ['talk to a human'] },
  action,
  firing: { mode: 'once_per_conversation' },
  signingSecret: 'whsec_c2VjcmV0',
  updatedAt: '2026-11-24T09:00:00.000Z',
});

const now = new Date('2026-11-24T10:00:01.000Z');

describe('planAction', () => {
  it('escalates with transcript, context (memory included) and contact, asking first for a missing required field', () => {
    const memory = { vip: true, plan: 'enterprise' };
    const plan = planAction({
      definition: definition({
        type: 'escalate',
        requireContact: { fields: ['email', 'phone'], prompt: { text: 'Your number, {{contact.name}}?' } },
        notifyUrl: 'https://team.example.com/hook',
      }),
      trigger: { ...trigger, memory },
      executionId: 'x1',
      now,
    });
    expect(plan.instructions.map((instruction) => instruction.type)).toEqual(['reply', 'escalate']);
    expect(plan.instructions[0]).toMatchObject({ purpose: 'contact_request', text: 'Your number, Ada?' });
    expect(plan.instructions[1]).toMatchObject({
      reason: 'Escalate: the contact said something like "talk to a human"',
      missingContactFields: ['phone'],
      contact: trigger.contact,
      transcript: trigger.transcript,
      context: { trigger: trigger.match, message: { role: 'contact', text: 'I want a human' }, memory },
    });
    expect(plan.delivery).toEqual({ url: 'https://team.example.com/hook', headers: {}, payload: 'standard' });
  });

  it('only asks while the escalation waits for the answer, and hands off later without asking again', () => {
    const escalate = definition({
      type: 'escalate',
      requireContact: { fields: ['phone'], prompt: { text: 'Your number?' } },
      notifyUrl: 'https://team.example.com/hook',
    });
    const asking = planAction({
      definition: escalate,
      trigger: { ...trigger, contactRequest: { stage: 'ask', fields: ['phone'], until: '2026-11-24T10:05:00.000Z' } },
      executionId: 'x1',
      now,
    });
    expect(asking.instructions).toEqual([
      expect.objectContaining({ purpose: 'contact_request', text: 'Your number?' }),
    ]);
    expect(asking.delivery).toBeNull();
    // A prompt made only of variables that came out empty still asks, in plain words.
    const blankPrompt = planAction({
      definition: definition({
        type: 'escalate',
        requireContact: { fields: ['email', 'phone'], prompt: { text: '{{memory.askForContact}}' } },
      }),
      trigger: { ...trigger, contactRequest: { stage: 'ask', fields: ['phone'], until: '2026-11-24T10:05:00.000Z' } },
      executionId: 'x3',
      now,
    });
    // Only what is missing (the email is known), when asked and on the first pass.
    const phoneOnly = 'Could you share your phone number, so that a colleague can get back to you?';
    expect(blankPrompt.instructions).toEqual([
      expect.objectContaining({ purpose: 'contact_request', text: phoneOnly }),
    ]);
    const firstPass = planAction({
      definition: definition({
        type: 'escalate',
        requireContact: { fields: ['email', 'phone'], prompt: { text: '{{memory.askForContact}}' } },
      }),
      trigger,
      executionId: 'x4',
      now,
    });
    expect(firstPass.instructions[0]).toMatchObject({ purpose: 'contact_request', text: phoneOnly });
    const answered = planAction({
      definition: escalate,
      trigger: {
        ...trigger,
        contact: { ...trigger.contact!, phone: '+44 20 7946 0958' },
        contactRequest: { stage: 'hand_off', fields: ['phone'], outcome: 'answered', askedBy: 't1' },
      },
      executionId: 'x2',
      now,
    });
    expect(answered.instructions.map((instruction) => instruction.type)).toEqual(['escalate']);
    expect(answered.instructions[0]).not.toHaveProperty('missingContactFields');
    expect(answered.instructions[0]).toMatchObject({ contact: { phone: '+44 20 7946 0958' } });
    expect(answered.delivery).not.toBeNull();
    const timedOut = planAction({
      definition: escalate,
      trigger: {
        ...trigger,
        contactRequest: { stage: 'hand_off', fields: ['phone'], outcome: 'timed_out', askedBy: 't1' },
      },
      executionId: 'x3',
      now,
    });
    expect(timedOut.instructions.map((instruction) => instruction.type)).toEqual(['escalate']);
    expect(timedOut.instructions[0]).toMatchObject({ missingContactFields: ['phone'] });
    // At the end of the conversation nobody would answer: the hand-off goes out without asking.
    const atTheEnd = planAction({
      definition: escalate,
      trigger: { ...trigger, event: { ...trigger.event, type: 'conversation.ended' }, conversationEnded: true },
      executionId: 'x4',
      now,
    });
    expect(atTheEnd.instructions.map((instruction) => instruction.type)).toEqual(['escalate']);
    expect(atTheEnd.instructions[0]).toMatchObject({ missingContactFields: ['phone'] });
  });

  it('says nothing rather than show a template whose every variable came out empty', () => {
    const reply = (text: string) =>
      planAction({ definition: definition({ type: 'reply', message: { text } }), trigger, executionId: 'x5', now })
        .instructions;
    expect(reply('{{memory.plan}} {{contact.phone}}')).toEqual([]);
    expect(reply('Hello {{contact.name}}{{contact.phone}}')).toEqual([
      expect.objectContaining({ type: 'reply', purpose: 'reply', text: 'Hello Ada' }),
    ]);
  });

  it('tags with deterministic signal ids, and sets and clears memory through a contact.memory.updated event', () => {
    const tag = planAction({
      definition: definition({ type: 'tag', signals: [{ name: 'vip_issue', value: 3 }] }),
      trigger,
      executionId: 'x1',
      now,
    });
    const again = planAction({
      definition: definition({ type: 'tag', signals: [{ name: 'vip_issue', value: 3 }] }),
      trigger,
      executionId: 'x1',
      now,
    });
    expect(tag.signals).toEqual(again.signals);
    expect(tag.signals[0]).toMatchObject({ name: 'vip_issue', value: 3, conversationId: 'conv-1' });
    const memory = planAction({
      definition: definition({ type: 'update_memory', set: { plan: 'pro' }, clear: ['coupon'] }),
      trigger,
      executionId: 'x1',
      now,
    });
    expect(memory.memoryEvents).toHaveLength(1);
    expect(memory.memoryEvents[0]!.data.contact).toEqual({ id: 'c1' });
    expect(memory.memoryEvents[0]).toMatchObject({
      type: 'contact.memory.updated',
      subject: 'conv-1',
      data: {
        // The id alone: the contact's details stay out of the event log.
        contact: { id: trigger.contact!.id },
        attributes: { plan: 'pro', coupon: null },
        // The event names the workflow whose action caused it (loop protection, tracing).
        causedBy: { workflowId: trigger.workflow.id, executionId: 'x1' },
      },
    });
    expect(memory.delivery).toBeNull();
  });

  it('forgets the contact before setting the new memory, each event with an id of its own', () => {
    const plan = (action: object) =>
      planAction({ definition: definition({ type: 'update_memory', ...action }), trigger, executionId: 'x1', now });
    const forgotten = plan({ forgetContact: true, set: { erasure_requested: true } });
    expect(forgotten.memoryEvents.map(({ type }) => type)).toEqual([
      'contact.memory.cleared',
      'contact.memory.updated',
    ]);
    expect(forgotten.memoryEvents[0]).toMatchObject({ subject: 'conv-1' });
    // The contact's id alone: the clear takes no contact details.
    expect(forgotten.memoryEvents[0]!.data).toEqual({
      contact: { id: 'c1' },
      causedBy: { workflowId: trigger.workflow.id, executionId: 'x1' },
    });
    // What ingest will check when the dispatcher publishes them.
    for (const event of forgotten.memoryEvents) {
      expect(parseConversationEvent(Buffer.from(JSON.stringify(event)))).toEqual(event);
    }
    expect(forgotten.memoryEvents[1]).toMatchObject({ data: { attributes: { erasure_requested: true } } });
    expect(new Set(forgotten.memoryEvents.map(({ id }) => id)).size).toBe(2);
    // The same execution planned again (a redelivered trigger) gives the same ids: de-duplicated by ingest.
    expect(plan({ forgetContact: true, set: { erasure_requested: true } }).memoryEvents.map(({ id }) => id)).toEqual(
      forgotten.memoryEvents.map(({ id }) => id),
    );
    expect(plan({ forgetContact: true }).memoryEvents.map(({ type }) => type)).toEqual(['contact.memory.cleared']);
    // Dated no earlier than the event that fired the workflow, whose clock may run ahead.
    const ahead = new Date(now.getTime() + 2_000).toISOString();
    const late = planAction({
      definition: definition({ type: 'update_memory', forgetContact: true }),
      trigger: { ...trigger, event: { ...trigger.event, time: ahead } },
      executionId: 'x1',
      now,
    });
    expect(late.memoryEvents[0]!.time).toBe(ahead);
    expect(forgotten.memoryEvents[0]!.time).toBe(now.toISOString());
  });

  it("renders a webhook's payload template over the contact, memory, message and transcript", () => {
    const plan = planAction({
      definition: definition({
        type: 'webhook',
        url: 'https://example.com/hook',
        payloadTemplate: {
          plan: '{{memory.plan}}',
          said: '{{conversation.message.text}}',
          transcript: '{{conversation.transcript}}',
        },
      }),
      trigger: { ...trigger, memory: { plan: 'enterprise' } },
      executionId: 'x1',
      now,
    });
    expect(plan.delivery?.payload).toEqual({
      custom: { plan: 'enterprise', said: 'I want a human', transcript: trigger.transcript },
    });
  });

  it('flattens plain memory attributes into the flat payload', () => {
    const flat = flatPayload({ ...trigger, memory: { previousIssues: 2, vip: true, address: { city: 'x' } } }, 'x1');
    expect(flat).toMatchObject({ memory_previous_issues: 2, memory_vip: true });
    expect(flat).not.toHaveProperty('memory_address');
  });

  it('sends Zapier and Make the flat payload', () => {
    const plan = planAction({
      definition: definition({ type: 'zapier', url: 'https://hooks.zapier.com/hooks/catch/123/abc/' }),
      trigger,
      executionId: 'x1',
      now,
    });
    expect(plan.delivery?.payload).toBe('flat');
    expect(flatPayload(trigger, 'x1')).toMatchObject({
      execution_id: 'x1',
      contact_email: 'ada@example.com',
      trigger_phrase: 'talk to a human',
      transcript: 'contact: I want a human',
    });
    expect(Object.values(flatPayload(trigger, 'x1')).every((value) => typeof value !== 'object')).toBe(true);
  });
});
