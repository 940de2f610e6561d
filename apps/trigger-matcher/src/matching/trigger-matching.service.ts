import { Inject, Injectable } from '@nestjs/common';
import { Topics, conversationEventValidator, type ConversationEvent, type WorkflowTriggered } from '@app/contracts';
import { evaluateWorkflows, triggerIdOf } from '@app/domain';
import { jsonRecord, processEach, type ConsumedBatch, type OutboundRecord } from '@app/kafka';
import { triggerMatches } from '@app/metrics';
import { WORKFLOW_DEFINITIONS, type WorkflowDefinitions } from '@app/platform';

/** Validated conversation events → workflow triggers, one per workflow that fires. */
@Injectable()
export class TriggerMatchingService {
  constructor(@Inject(WORKFLOW_DEFINITIONS) private readonly definitions: WorkflowDefinitions) {}

  match(batch: ConsumedBatch): Promise<OutboundRecord[]> {
    return processEach(batch, conversationEventValidator, 'trigger-matcher', (event) => this.triggersFor(event));
  }

  private triggersFor(event: ConversationEvent): OutboundRecord[] {
    if (event.type !== 'conversation.message.created') return [];
    const { data } = event;
    const tenantWorkflows = [...this.definitions.values()].filter((workflow) => workflow.tenantId === event.tenantid);
    const fired = evaluateWorkflows(tenantWorkflows, {
      message: { role: data.role, text: data.text },
      memory: data.memory,
    });
    const firedAt = new Date().toISOString();
    return fired.map(({ workflow, match }) => {
      triggerMatches.inc({ trigger_type: match.type });
      const trigger: WorkflowTriggered = {
        triggerId: triggerIdOf(event.tenantid, event.source, event.id, workflow.id),
        tenantId: event.tenantid,
        conversationId: event.subject,
        workflow: { id: workflow.id, version: workflow.version, name: workflow.name },
        event: { id: event.id, source: event.source, type: event.type, time: event.time },
        message: { id: data.messageId, role: data.role, text: data.text },
        contact: data.contact,
        ai: data.ai,
        match,
        firedAt,
      };
      return jsonRecord(Topics.workflowTriggers.name, event.subject, trigger);
    });
  }
}
