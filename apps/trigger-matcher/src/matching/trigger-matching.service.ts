import { Inject, Injectable } from '@nestjs/common';
import {
  Topics,
  conversationEventValidator,
  type ConversationEvent,
  type WorkflowDefinition,
  type WorkflowTriggered,
} from '@app/contracts';
import {
  decideFirings,
  WorkflowIndex,
  recordEvent,
  recordFirings,
  triggerIdOf,
  type ConversationState,
  type TriggerInput,
} from '@app/domain';
import { jsonRecord, processEach, type ConsumedBatch, type OutboundRecord } from '@app/kafka';
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
  private readonly indexes = new Map<string, WorkflowIndex<WorkflowDefinition>>();
  private indexedAt = -1;

  constructor(
    @Inject(WORKFLOW_DEFINITIONS) private readonly definitions: WorkflowDefinitions,
    @Inject(APP_CONFIG) private readonly config: TriggerMatcherConfig,
    private readonly states: ConversationStateStore,
  ) {}

  async match(batch: ConsumedBatch): Promise<OutboundRecord[]> {
    const session = await this.states.session(batch);
    const triggers = await processEach(batch, conversationEventValidator, SERVICE, (event, message) =>
      this.decide(event as ConversationEvent, message.offset, session),
    );
    return [...triggers, ...session.records()];
  }

  private decide(event: ConversationEvent, offset: string, session: StateSession): OutboundRecord[] {
    const now = new Date();
    let state = recordEvent(session.get(event.tenantid, event.subject), event);
    const input = this.triggerInputOf(event, state);
    const triggers: OutboundRecord[] = [];
    if (input) {
      const candidates = this.indexOf(event.tenantid).evaluate(input);
      const decision = decideFirings(candidates, state, {
        now,
        causedByWorkflowId: event.type === 'conversation.message.created' ? event.data.causedBy?.workflowId : undefined,
        maxPerMinute: this.config.MAX_FIRINGS_PER_CONVERSATION_PER_MINUTE,
      });
      state = recordFirings(
        state,
        decision.fire.map(({ workflow }) => workflow.id),
        now,
      );
      for (const { workflow, match } of decision.fire) {
        triggerMatches.inc({ trigger_type: match.type });
        const message = event.type === 'conversation.message.created' ? event.data : undefined;
        const trigger: WorkflowTriggered = {
          triggerId: triggerIdOf(event.tenantid, event.source, event.id, workflow.id),
          tenantId: event.tenantid,
          conversationId: event.subject,
          workflow: { id: workflow.id, version: workflow.version, name: workflow.name },
          event: { id: event.id, source: event.source, type: event.type, time: event.time },
          ...(message ? { message: { id: message.messageId, role: message.role, text: message.text } } : {}),
          ...(message?.ai ? { ai: message.ai } : {}),
          ...(event.data.contact ? { contact: event.data.contact } : {}),
          transcript: state.transcript,
          match,
          firedAt: now.toISOString(),
        };
        triggers.push(jsonRecord(Topics.workflowTriggers.name, event.subject, trigger));
      }
    }
    session.stage(state, offset);
    return triggers;
  }

  /** What triggers see of an event; null for events that fire nothing themselves (memory updates). */
  private triggerInputOf(event: ConversationEvent, state: ConversationState): TriggerInput | null {
    switch (event.type) {
      case 'conversation.message.created':
        return {
          message: { role: event.data.role, text: event.data.text },
          ai: event.data.ai,
          memory: state.memory,
          failedAnswers: state.failedAnswers,
        };
      case 'conversation.ended':
        return { conversationEnded: true, memory: state.memory, failedAnswers: state.failedAnswers };
      case 'contact.memory.updated':
        return null;
    }
  }

  /** The tenant's candidate index, rebuilt after any definition changed. */
  private indexOf(tenantId: string): WorkflowIndex<WorkflowDefinition> {
    if (this.indexedAt !== this.definitions.changes) {
      this.indexes.clear();
      this.indexedAt = this.definitions.changes;
    }
    let index = this.indexes.get(tenantId);
    if (!index) {
      index = new WorkflowIndex([...this.definitions.values()].filter((workflow) => workflow.tenantId === tenantId));
      this.indexes.set(tenantId, index);
    }
    return index;
  }
}
