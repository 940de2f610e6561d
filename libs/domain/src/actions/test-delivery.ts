import type { Contact, TestDeliveryRequest, WorkflowDefinition, WorkflowTriggered } from '@app/contracts';

/** The `source` of a test delivery's sample event: no platform sent it. */
export const TEST_DELIVERY_SOURCE = 'agent-workflows/test-delivery';

/** The sample's contact when the request names none. */
export const TEST_CONTACT: Contact = { id: 'test-contact', name: 'Test Contact', email: 'test.contact@example.com' };

/** The sample's message when the request gives none and the workflow has no example phrase. */
const TEST_TEXT = 'This is a test delivery from Agent Workflows.';

/**
 * The trigger a test delivery sends: the workflow (as its current version) firing on one contact
 * message in a conversation of its own, `test-<id>`, so that receivers and Zapier or Make see the
 * payload the workflow's real executions will have. `id` (a random UUID) makes every id of it
 * unlike a real trigger's.
 */
export function testDeliveryTrigger(
  definition: WorkflowDefinition,
  sample: TestDeliveryRequest,
  id: string,
  now: Date,
): WorkflowTriggered {
  const { trigger } = definition;
  const phrase = trigger.type === 'intent' ? trigger.phrases[0] : undefined;
  const text = sample.text ?? phrase ?? TEST_TEXT;
  const time = now.toISOString();
  return {
    triggerId: `test-${id}`,
    tenantId: definition.tenantId,
    conversationId: `test-${id}`,
    workflow: { id: definition.id, version: definition.version, name: definition.name },
    event: { id: `test-${id}`, source: TEST_DELIVERY_SOURCE, type: 'conversation.message.created', time },
    message: { id: `test-${id}`, role: 'contact', text },
    contact: sample.contact ?? TEST_CONTACT,
    memory: sample.memory ?? {},
    transcript: [{ role: 'contact', text, time }],
    match: {
      type: trigger.type,
      score: 1,
      threshold: 1,
      ...(phrase !== undefined ? { phrase } : { detail: 'a test delivery' }),
    },
    firedAt: time,
  };
}
