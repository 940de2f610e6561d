import { Inject, Injectable } from '@nestjs/common';
import {
  InvalidInputError,
  Topics,
  conversationEventValidator,
  parseJson,
  type ConversationEvent,
  type WorkflowDefinition,
  type WorkflowTriggered,
} from '@app/contracts';
import { decideFirings, evaluateWorkflows, recordEvent, recordFirings, triggerIdOf } from '@app/domain';
import { deadLetter, jsonRecord, type ConsumedBatch, type OutboundRecord } from '@app/kafka';
import { triggerMatches } from '@app/metrics';
import { APP_CONFIG, WORKFLOW_DEFINITIONS, type WorkflowDefinitions } from '@app/platform';
import type { TriggerMatcherConfig } from '../config';
import { ConversationStateStore, type StateSession } from '../state/conversation-state.store';

const SERVICE = 'trigger-matcher';

/**
 * Validated conversation events → workflow triggers. For each event, in order per conversation:
 * update the conversation's state, evaluate the tenant's workflows, apply firing policies and loop
 * protection, and emit one trigger per workflow that fires — the state and the triggers in the
 * same Kafka transaction as the consumed offsets.
 */
@Injectable()
export class TriggerMatchingService {
  constructor(
    @Inject(WORKFLOW_DEFINITIONS) private readonly definitions: WorkflowDefinitions,
    @Inject(APP_CONFIG) private readonly config: TriggerMatcherConfig,
    private readonly states: ConversationStateStore,
  ) {}

  async match(batch: ConsumedBatch): Promise<OutboundRecord[]> {
    const session = await this.states.session(batch);
    const out: OutboundRecord[] = [];
    for (const message of batch.messages) {
      try {
        if (message.value === null) throw new InvalidInputError('null_value', 'record has no value');
        const event = parseJson(message.value, conversationEventValidator) as ConversationEvent;
        out.push(...this.decide(event, message.offset, session));
      } catch (error) {
        if (!(error instanceof InvalidInputError)) throw error;
        out.push(deadLetter(message, error, SERVICE));
      }
    }
    return [...out, ...session.records()];
  }

  private decide(event: ConversationEvent, offset: string, session: StateSession): OutboundRecord[] {
    const now = new Date();
    let state = recordEvent(session.get(event.tenantid, event.subject), event);
    const triggers: OutboundRecord[] = [];
    if (event.type === 'conversation.message.created') {
      const { data } = event;
      const candidates = evaluateWorkflows(this.workflowsOf(event.tenantid), {
        message: { role: data.role, text: data.text },
        memory: state.memory,
      });
      const decision = decideFirings(candidates, state, {
        now,
        causedByWorkflowId: data.causedBy?.workflowId,
        maxPerMinute: this.config.MAX_FIRINGS_PER_CONVERSATION_PER_MINUTE,
      });
      state = recordFirings(
        state,
        decision.fire.map(({ workflow }) => workflow.id),
        now,
      );
      for (const { workflow, match } of decision.fire) {
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
          firedAt: now.toISOString(),
        };
        triggers.push(jsonRecord(Topics.workflowTriggers.name, event.subject, trigger));
      }
    }
    session.stage(state, offset);
    return triggers;
  }

  private workflowsOf(tenantId: string): WorkflowDefinition[] {
    return [...this.definitions.values()].filter((workflow) => workflow.tenantId === tenantId);
  }
}
