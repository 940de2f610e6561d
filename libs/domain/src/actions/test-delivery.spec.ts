import { workflowTriggeredValidator, type WorkflowDefinition } from '@app/contracts';
import { planAction } from './action-plan';
import { TEST_CONTACT, TEST_DELIVERY_SOURCE, testDeliveryTrigger } from './test-delivery';

const definition = (trigger: WorkflowDefinition['trigger']): WorkflowDefinition => ({
  id: '00000000-0000-4000-8000-000000000001',
  tenantId: 'acme',
  name: 'Cancel',
  version: 3,
  status: 'draft',
  trigger,
  action: { type: 'zapier', url: 'https://hooks.zapier.com/hooks/catch/1/abc/' },
  firing: { mode: 'once_per_conversation' },
  signingSecret: 'whsec_c2VjcmV0',
  updatedAt: '2026-12-07T09:00:00.000Z',
});

const now = new Date('2026-12-07T10:00:00.000Z');
const id = '6f1c2a9e-0000-4000-8000-00000000abcd';

describe('testDeliveryTrigger', () => {
  it("fires the workflow's current version on its first phrase, in a test conversation of its own, for a made-up contact", () => {
    const cancel = definition({ type: 'intent', phrases: ['cancel my order'] });
    const trigger = testDeliveryTrigger(cancel, {}, id, now);
    expect(workflowTriggeredValidator.parse(trigger)).toBe(trigger);
    expect(trigger).toMatchObject({
      triggerId: `test-${id}`,
      tenantId: 'acme',
      conversationId: `test-${id}`,
      workflow: { id: '00000000-0000-4000-8000-000000000001', version: 3, name: 'Cancel' },
      event: { source: TEST_DELIVERY_SOURCE, type: 'conversation.message.created', time: now.toISOString() },
      message: { role: 'contact', text: 'cancel my order' },
      contact: TEST_CONTACT,
      memory: {},
      match: { type: 'intent', score: 1, threshold: 1, phrase: 'cancel my order' },
    });
    // What Zapier is shown as a sample is what the workflow's executions will send.
    expect(planAction({ definition: cancel, trigger, executionId: id, now }).delivery).toMatchObject({
      url: 'https://hooks.zapier.com/hooks/catch/1/abc/',
      payload: 'flat',
    });
  });

  it("takes the request's message, contact and memory", () => {
    const trigger = testDeliveryTrigger(
      definition({ type: 'ai_request' }),
      { text: 'I want a refund', contact: { id: 'c-9', name: 'Ada' }, memory: { vip: true } },
      id,
      now,
    );
    expect(workflowTriggeredValidator.parse(trigger)).toBe(trigger);
    expect(trigger).toMatchObject({
      message: { text: 'I want a refund' },
      transcript: [{ role: 'contact', text: 'I want a refund' }],
      contact: { id: 'c-9', name: 'Ada' },
      memory: { vip: true },
      match: { type: 'ai_request', detail: 'a test delivery' },
    });
    expect(testDeliveryTrigger(definition({ type: 'ai_request' }), {}, id, now).message?.text).toMatch(/test delivery/);
  });
});
