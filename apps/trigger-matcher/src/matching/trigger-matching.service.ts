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
  evaluateCondition,
  WorkflowIndex,
  recordEvent,
  recordFirings,
  triggerIdOf,
  type ConversationState,
  type DecisionProvider,
  type FiredWorkflow,
  type PhraseVectors,
  type TriggerInput,
} from '@app/domain';
import { INTENT_VECTORS, type IntentVectors } from '@app/intent-model';
import { jsonRecord, processEach, type ConsumedBatch, type OutboundRecord } from '@app/kafka';
import { decisionProviderFallbacks, triggerMatches } from '@app/metrics';
import { APP_CONFIG, APP_LOGGER, WORKFLOW_DEFINITIONS, type WorkflowDefinitions } from '@app/platform';
import type { Logger } from 'pino';
import type { TriggerMatcherConfig } from '../config';
import { DECISION_PROVIDER } from '../decision/decision-provider.provider';
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
  /** The definitions the indexes are built from, and the vectors of their phrases: one consistent snapshot. */
  private indexed: { workflows: WorkflowDefinition[]; phraseVectors: PhraseVectors | undefined } = {
    workflows: [],
    phraseVectors: undefined,
  };
  private indexedAt = -1;

  constructor(
    @Inject(WORKFLOW_DEFINITIONS) private readonly definitions: WorkflowDefinitions,
    @Inject(APP_CONFIG) private readonly config: TriggerMatcherConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
    @Inject(DECISION_PROVIDER) private readonly decisionProvider: DecisionProvider | null,
    @Inject(INTENT_VECTORS) private readonly intentVectors: IntentVectors | null,
    private readonly states: ConversationStateStore,
  ) {}

  async match(batch: ConsumedBatch): Promise<OutboundRecord[]> {
    const session = await this.states.session(batch);
    const triggers = await processEach(batch, conversationEventValidator, SERVICE, async (event, message) =>
      this.decide(event as ConversationEvent, message.offset, session),
    );
    return [...triggers, ...session.records()];
  }

  private async decide(event: ConversationEvent, offset: string, session: StateSession): Promise<OutboundRecord[]> {
    const now = new Date();
    let state = recordEvent(session.get(event.tenantid, event.subject), event);
    const input = this.triggerInputOf(event, state);
    const triggers: OutboundRecord[] = [];
    if (input) {
      const candidates = await this.candidatesFor(event.tenantid, input, state);
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
      const message = event.type === 'conversation.message.created' ? event.data : undefined;
      for (const { workflow, match } of decision.fire) {
        triggerMatches.inc({ trigger_type: match.type });
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

  /**
   * The workflows whose trigger fires, best first. With a decision provider configured, it chooses
   * among the intent workflows (whose conditions hold), and intent matching is the fallback when it
   * fails or times out; other trigger types are always decided here.
   */
  private async candidatesFor(
    tenantId: string,
    input: TriggerInput,
    state: ConversationState,
  ): Promise<FiredWorkflow<WorkflowDefinition>[]> {
    const index = await this.indexOf(tenantId);
    // The model runs only where it can change the outcome: see WorkflowIndex.wantsMessageVector.
    const phrases = this.indexed.phraseVectors;
    if (this.intentVectors && phrases && input.message) {
      input.semantics = index.wantsMessageVector(input)
        ? { message: await this.intentVectors.messageVector(input.message.text), phrases }
        : { phrases };
    }
    const matched = index.evaluate(input);
    if (!this.decisionProvider || input.message?.role !== 'contact') return matched;
    const offered = [...this.definitions.values()].filter(
      (workflow) =>
        workflow.tenantId === tenantId &&
        workflow.status === 'enabled' &&
        workflow.trigger.type === 'intent' &&
        (!workflow.trigger.conditions || evaluateCondition(workflow.trigger.conditions, input.memory ?? {}).result),
    );
    try {
      const chosen = new Set(
        await this.decisionProvider.choose({
          message: input.message.text,
          transcript: state.transcript,
          workflows: offered.map((workflow) => ({
            id: workflow.id,
            name: workflow.name,
            phrases: workflow.trigger.type === 'intent' ? workflow.trigger.phrases : [],
          })),
        }),
      );
      const byProvider = offered
        .filter((workflow) => chosen.has(workflow.id))
        .map((workflow) => ({
          workflow,
          match: { type: 'intent' as const, score: 1, threshold: 1, detail: 'chosen by the decision provider' },
        }));
      return [...byProvider, ...matched.filter(({ match }) => match.type !== 'intent')];
    } catch (error) {
      decisionProviderFallbacks.inc();
      this.logger.warn({ err: error }, 'decision provider failed; intent matching decides');
      return matched;
    }
  }

  /**
   * The tenant's candidate index, rebuilt after any definition changed. The phrases of all
   * definitions are embedded then (each distinct text once; unchanged ones come from the cache).
   */
  private async indexOf(tenantId: string): Promise<WorkflowIndex<WorkflowDefinition>> {
    if (this.indexedAt !== this.definitions.changes) {
      const changes = this.definitions.changes;
      const workflows = [...this.definitions.values()];
      this.indexed = { workflows, phraseVectors: await this.intentVectors?.phraseVectorsOf(workflows) };
      this.indexes.clear();
      this.indexedAt = changes;
    }
    let index = this.indexes.get(tenantId);
    if (!index) {
      index = new WorkflowIndex(
        this.indexed.workflows.filter((workflow) => workflow.tenantId === tenantId),
        this.indexed.phraseVectors,
      );
      this.indexes.set(tenantId, index);
    }
    return index;
  }
}
