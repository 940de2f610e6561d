import type { WorkflowTriggered } from '@app/contracts';

/**
 * The default JSON body of a webhook, in the Standard Webhooks shape `{type, timestamp, data}`:
 * the workflow, why it fired, the conversation message and recent transcript, the contact, what
 * is known of them (memory) and the AI's annotations.
 */
export interface WebhookPayload {
  type: 'workflow.triggered';
  timestamp: string;
  data: {
    executionId: string;
    tenantId: string;
    workflow: { id: string; name: string; version: number };
    trigger: WorkflowTriggered['match'] & { triggerId: string; event: WorkflowTriggered['event']; firedAt: string };
    conversation: {
      id: string;
      message?: WorkflowTriggered['message'];
      transcript?: WorkflowTriggered['transcript'];
    };
    contact?: WorkflowTriggered['contact'];
    memory?: WorkflowTriggered['memory'];
    ai?: WorkflowTriggered['ai'];
  };
}

export function buildWebhookPayload(trigger: WorkflowTriggered, executionId: string, now: Date): WebhookPayload {
  return {
    type: 'workflow.triggered',
    timestamp: now.toISOString(),
    data: {
      executionId,
      tenantId: trigger.tenantId,
      workflow: { id: trigger.workflow.id, name: trigger.workflow.name, version: trigger.workflow.version },
      trigger: { ...trigger.match, triggerId: trigger.triggerId, event: trigger.event, firedAt: trigger.firedAt },
      conversation: { id: trigger.conversationId, message: trigger.message, transcript: trigger.transcript },
      contact: trigger.contact,
      memory: trigger.memory,
      ai: trigger.ai,
    },
  };
}
