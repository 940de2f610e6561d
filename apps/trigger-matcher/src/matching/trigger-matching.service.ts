import { Inject, Injectable } from '@nestjs/common';
import {
  Topics,
  conversationEventValidator,
  timerTickValidator,
  type Contact,
  type ConversationEvent,
  type TimerTick,
  type WorkflowDefinition,
  type WorkflowTriggered,
} from '@app/contracts';
import {
  awaitContact,
  contactAskOf,
  conversationContact,
  decideFirings,
  decisionRequestOf,
  effectiveMemory,
  escalationContact,
  eventInputOf,
  explainWorkflows,
  firedOf,
  firingOrder,
  handOffContact,
  handOffsAfter,
  handOffsDue,
  isExpired,
  markTimersDecided,
  contactIdNamed,
  memoryChangesOf,
  namesAnotherContact,
  memoryLearntSince,
  memoryFits,
  MAX_MEMORY_CHARS,
  recordEvent,
  recordFirings,
  timerInputOf,
  triggerIdOf,
  unsureIntents,
  withEscalationDetails,
  withoutMemoryChanges,
  WorkflowIndex,
  type ContactMemory,
  type ConversationState,
  type DecisionProvider,
  type DueHandOff,
  type FiredWorkflow,
  type PhraseVectors,
  type StateExpiry,
  type TriggerInput,
} from '@app/domain';
import { INTENT_VECTORS, type IntentVectors } from '@app/intent-model';
import { jsonRecord, processEach, type ConsumedBatch, type OutboundRecord } from '@app/kafka';
import {
  conversationStatesExpired,
  decisionProviderFallbacks,
  decisionProviderRequests,
  escalationHandOffs,
  memoryUpdatesRefused,
  triggerEvaluations,
  triggerMatches,
} from '@app/metrics';
import { APP_CONFIG, APP_LOGGER, WORKFLOW_DEFINITIONS, type WorkflowDefinitions } from '@app/platform';
import type { Logger } from 'pino';
import type { TriggerMatcherConfig } from '../config';
import { ContactMemoryStore, type ContactMemorySession } from '../contacts/contact-memory.store';
import { DECISION_PROVIDER } from '../decision/decision-provider.provider';
import { EventsWatermark } from '../timers/events-watermark';
import { TimerSchedule } from '../timers/timer-schedule';
import { ConversationStateStore, conversationStateKey, type StateSession } from '../state/conversation-state.store';

const SERVICE = 'trigger-matcher';
/** The `event.source` of triggers that a timer, not a platform event, caused. */
const TIMER_SOURCE = 'trigger-matcher/timer';
/** Part of the trigger id of an escalation's hand-off, which follows the trigger that asked for contact details. */
const HAND_OFF_SOURCE = 'trigger-matcher/hand-off';

interface Sessions {
  states: StateSession;
  contacts: ContactMemorySession;
}

/** What fired a workflow: a platform event, or a timer of the conversation. */
interface Cause {
  event: WorkflowTriggered['event'];
  message?: WorkflowTriggered['message'];
  ai?: WorkflowTriggered['ai'];
  contact?: WorkflowTriggered['contact'];
  memory?: WorkflowTriggered['memory'];
  causedByWorkflowId?: string;
}

/** The contact a trigger names, if any: `contact`, else the one the conversation knows. */
function contactOf(state: ConversationState, contact = conversationContact(state)): { contact?: Contact } {
  return contact ? { contact } : {};
}

/**
 * Validated conversation events and timer ticks → workflow triggers. For each event, in order per
 * conversation: update the conversation's state and its contact's memory, evaluate the tenant's
 * workflows, apply firing policies and loop protection, and emit one trigger per workflow that
 * fires. A tick does the same for the conversation's due no_reply timers, or forgets its expired
 * state. State, memory and triggers go out in the same Kafka transaction as the consumed offsets.
 */
@Injectable()
export class TriggerMatchingService {
  /** The workflow definitions by tenant, grouped once per change of the definitions view (`groupedAt`). */
  private byTenant = new Map<string, WorkflowDefinition[]>();
  private groupedAt = -1;
  /** Per tenant: the definitions, their phrase vectors and the candidate index built from them, together. */
  private readonly snapshots = new Map<string, TenantSnapshot>();
  private readonly expiry: StateExpiry;

  constructor(
    @Inject(WORKFLOW_DEFINITIONS) private readonly definitions: WorkflowDefinitions,
    @Inject(APP_CONFIG) private readonly config: TriggerMatcherConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
    @Inject(DECISION_PROVIDER) private readonly decisionProvider: DecisionProvider | null,
    @Inject(INTENT_VECTORS) private readonly intentVectors: IntentVectors | null,
    private readonly states: ConversationStateStore,
    private readonly contacts: ContactMemoryStore,
    private readonly watermark: EventsWatermark,
    private readonly schedule: TimerSchedule,
  ) {
    this.expiry = {
      idleSeconds: config.CONVERSATION_STATE_IDLE_TTL_SECONDS,
      endedSeconds: config.ENDED_CONVERSATION_STATE_TTL_SECONDS,
    };
  }

  async match(batch: ConsumedBatch): Promise<OutboundRecord[]> {
    this.watermark.observe(batch);
    const sessions = await this.sessions(batch);
    const triggers = await processEach(batch, conversationEventValidator, SERVICE, async (event) =>
      this.decide(event as ConversationEvent, sessions),
    );
    return [...triggers, ...sessions.states.records(), ...sessions.contacts.records()];
  }

  /**
   * Timer ticks: due timers are decided up to the time every event appended before has been read
   * (EventsWatermark), so that a reply still waiting in the events topic cancels its timer; the
   * conversation of a tick that could not decide everything is ticked again at the next scan.
   */
  async wakeUp(batch: ConsumedBatch): Promise<OutboundRecord[]> {
    const now = new Date();
    const at = await this.watermark.decideAt(batch.partition, now);
    const sessions = await this.sessions(batch);
    const triggers = await processEach(batch, timerTickValidator, SERVICE, (tick) => {
      // Not everything due may be decided yet: looked at again at the next scan, not after the resend delay.
      if (at?.getTime() !== now.getTime()) {
        this.schedule.lookAgainAt(
          conversationStateKey(tick.tenantId, tick.conversationId),
          now.getTime() + this.config.TIMER_TICK_INTERVAL_MS,
        );
      }
      return at ? this.onTick(tick, sessions, at) : [];
    });
    return [...triggers, ...sessions.states.records(), ...sessions.contacts.records()];
  }

  private async sessions(batch: ConsumedBatch): Promise<Sessions> {
    return { states: await this.states.session(batch), contacts: this.contacts.session(batch) };
  }

  private async decide(received: ConversationEvent, sessions: Sessions): Promise<OutboundRecord[]> {
    const now = new Date();
    const previous = sessions.states.get(received.tenantid, received.subject, received.time);
    const event = this.withinMemoryLimits(received, previous, sessions.contacts);
    const released = handOffsAfter(recordEvent(previous, event, now), event);
    const { state } = released;
    if (event.type === 'contact.memory.cleared') {
      // For the stand-in after the contact was named: both records are the contact's.
      const ids = new Set([event.data.contact.id, contactIdNamed(previous, event.data.contact)]);
      for (const id of ids) sessions.contacts.clear(event.tenantid, id, event.time);
    }
    const changes = memoryChangesOf(event);
    if (state.contactId && Object.keys(changes).length > 0) {
      sessions.contacts.stage(event.tenantid, state.contactId, changes, event.time);
    }
    const memory = this.memoryOf(state, sessions.contacts);
    const cause = { id: event.id, source: event.source, type: event.type, time: event.time };
    const handOffs = this.handOffs(released.handOffs, state, memory, now, cause);
    const input = eventInputOf(event, state, memory);
    if (!input) {
      sessions.states.stage(state);
      return handOffs;
    }
    const message = event.type === 'conversation.message.created' ? event.data : undefined;
    triggerEvaluations.inc({ event_type: event.type });
    // An escalation this event hands off does not fire again on it: one hand-off per answer.
    const handedOff = new Set(released.handOffs.map(({ request }) => request.workflowId));
    const candidates = (await this.candidatesFor(event.tenantid, input, state)).filter(
      ({ workflow }) => !handedOff.has(workflow.id),
    );
    const fired = this.fire(candidates, state, sessions.states, now, {
      event: cause,
      ...(message ? { message: { id: message.messageId, role: message.role, text: message.text } } : {}),
      ...(message?.ai ? { ai: message.ai } : {}),
      ...contactOf(state),
      memory: input.memory,
      causedByWorkflowId: event.data.causedBy?.workflowId,
    });
    return [...handOffs, ...fired];
  }

  /**
   * The event, or, when its memory changes would take the conversation's memory or its contact's
   * over MAX_MEMORY_CHARS, the event without them: the message is still matched, and the refusal
   * is logged and counted.
   */
  private withinMemoryLimits(
    event: ConversationEvent,
    state: ConversationState,
    contacts: ContactMemorySession,
  ): ConversationEvent {
    const changes = memoryChangesOf(event);
    if (Object.keys(changes).length === 0) return event;
    const named = event.data.contact;
    const contactId = named ? contactIdNamed(state, named) : state.contactId;
    const contactMemory = contactId ? effectiveMemory({}, contacts.attributesOf(state.tenantId, contactId)) : {};
    // Another contact named: the conversation forgets what it learnt of the earlier one (recordEvent).
    const conversationMemory = namesAnotherContact(state, named) ? {} : state.memory;
    if (memoryFits(conversationMemory, changes) && memoryFits(contactMemory, changes)) return event;
    memoryUpdatesRefused.inc();
    this.logger.warn(
      {
        tenantId: event.tenantid,
        conversationId: event.subject,
        eventId: event.id,
        attributes: Object.keys(changes).slice(0, 20),
      },
      `refused the event's memory changes: they would take the memory over ${MAX_MEMORY_CHARS} characters of JSON`,
    );
    return withoutMemoryChanges(event);
  }

  /**
   * A conversation's timer or expiry was due. The state decides, not the tick: a conversation that
   * got a reply meanwhile, or whose timers were already decided, fires nothing, so repeated and
   * late ticks are harmless.
   */
  private onTick(tick: TimerTick, sessions: Sessions, now: Date): OutboundRecord[] {
    const found = sessions.states.find(tick.tenantId, tick.conversationId);
    if (!found) return [];
    const workflows = this.workflowsOf(found.tenantId);
    if (isExpired(found, workflows, this.expiry, now)) {
      sessions.states.remove(found.tenantId, found.conversationId);
      conversationStatesExpired.inc({ reason: found.ended ? 'ended' : 'idle' });
      return [];
    }
    const released = handOffsDue(found, now);
    const { state } = released;
    const memory = this.memoryOf(state, sessions.contacts);
    const handOffs = this.handOffs(released.handOffs, state, memory, now, {
      id: `${state.conversationId}/contact_wait/${now.toISOString()}`,
      source: TIMER_SOURCE,
      type: 'conversation.contact_wait_over',
      time: now.toISOString(),
    });
    if (released.handOffs.length > 0) sessions.states.stage(state);
    return [...handOffs, ...this.noReplyTimers(state, workflows, memory, sessions.states, now)];
  }

  /** The conversation's due no_reply timers: they fire, or are decided not to (markTimersDecided). */
  private noReplyTimers(
    state: ConversationState,
    workflows: WorkflowDefinition[],
    memory: ContactMemory,
    session: StateSession,
    now: Date,
  ): OutboundRecord[] {
    const input = timerInputOf(state, now, memory);
    if (!input?.waiting) return [];
    triggerEvaluations.inc({ event_type: 'conversation.no_reply' });
    const evaluations = explainWorkflows(
      workflows.filter(({ trigger }) => trigger.type === 'no_reply'),
      input,
    );
    // Every timer that is due is decided now, also when its conditions are false: it never fires later in this wait.
    const due = evaluations.filter(({ match }) => match && match.score >= match.threshold);
    if (due.length === 0) return [];
    const decided = markTimersDecided(
      state,
      due.map(({ workflow }) => workflow.id),
    );
    const candidates = firedOf(evaluations);
    const { waiting } = input;
    return this.fire(candidates, decided, session, now, {
      event: {
        id: `${state.conversationId}/no_reply/${waiting.for}/${waiting.since}`,
        source: TIMER_SOURCE,
        type: 'conversation.no_reply',
        time: now.toISOString(),
      },
      ...contactOf(state),
      memory: input.memory,
    });
  }

  /** Applies the firing policies, stages the state with its firings, and builds the triggers. */
  private fire(
    candidates: FiredWorkflow<WorkflowDefinition>[],
    state: ConversationState,
    session: StateSession,
    now: Date,
    cause: Cause,
  ): OutboundRecord[] {
    // Cooldowns and the per-minute limit count in the events' time, as previews and backtests do:
    // two messages ten minutes apart are ten minutes apart even when a backlog brings them together.
    // Never later than now: an event time ahead of the clock does not push a cooldown forward.
    const firingTime = new Date(Math.min(Date.parse(cause.event.time), now.getTime()));
    const decision = decideFirings(candidates, state, {
      now: firingTime,
      causedByWorkflowId: cause.causedByWorkflowId,
      maxPerMinute: this.config.MAX_FIRINGS_PER_CONVERSATION_PER_MINUTE,
    });
    let fired = recordFirings(
      state,
      decision.fire.map(({ workflow }) => workflow.id),
      firingTime,
    );
    const triggers = decision.fire.map(({ workflow, match }) => {
      triggerMatches.inc({ trigger_type: match.type });
      const contact = escalationContact(workflow, fired, cause.contact, cause.message);
      fired = withEscalationDetails(fired, workflow, contact);
      const trigger = triggerOf(fired, workflow, { ...cause, ...(contact ? { contact } : {}) }, match, now);
      // An escalation that asks for contact details first: this trigger asks, the hand-off follows.
      const ask = contactAskOf(workflow, contact, fired, now);
      if (!ask) return trigger;
      const asking = { ...trigger, contactRequest: ask };
      fired = awaitContact(fired, asking, ask, workflow);
      return asking;
    });
    session.stage(fired);
    return triggers.map((trigger) => jsonRecord(Topics.workflowTriggers.name, state.conversationId, trigger));
  }

  /**
   * The hand-offs of escalations that asked for contact details and waited: the workflow fires
   * again, outside the firing policies (it already fired), with what fired it at first (message,
   * AI annotations, match) and what the contact told since; its `event` is what released it (the
   * answer, the end of the conversation, or the wait's timer), so that latency and analytics count
   * from then. A workflow deleted meanwhile hands off nothing.
   */
  private handOffs(
    due: DueHandOff[],
    state: ConversationState,
    memory: ContactMemory,
    now: Date,
    releasedBy: Cause['event'],
  ): OutboundRecord[] {
    return due.flatMap(({ request, outcome }) => {
      const workflow = this.definitions.get(request.workflowId);
      if (workflow?.tenantId !== state.tenantId) return [];
      const cause: Cause = {
        event: releasedBy,
        ...(request.message ? { message: request.message } : {}),
        ...(request.ai ? { ai: request.ai } : {}),
        ...contactOf(state, handOffContact(state, request)),
        memory,
      };
      const trigger: WorkflowTriggered = {
        ...triggerOf(state, workflow, cause, request.match, now),
        triggerId: triggerIdOf(state.tenantId, HAND_OFF_SOURCE, request.triggerId, workflow.id),
        contactRequest: { stage: 'hand_off', fields: request.fields, outcome, askedBy: request.triggerId },
      };
      escalationHandOffs.inc({ outcome });
      return [jsonRecord(Topics.workflowTriggers.name, state.conversationId, trigger)];
    });
  }

  /**
   * The memory conditions see: the contact's, shared by their conversations, over the
   * conversation's own — without what the conversation learnt before its contact's latest clear.
   */
  private memoryOf(state: ConversationState, contacts: ContactMemorySession): ContactMemory {
    if (!state.contactId) return state.memory;
    const clearedAt = contacts.clearedAtOf(state.tenantId, state.contactId);
    const own = clearedAt === undefined ? state.memory : memoryLearntSince(state, clearedAt).memory;
    return effectiveMemory(own, contacts.attributesOf(state.tenantId, state.contactId));
  }

  /**
   * The workflows whose trigger fires, best first. With a decision provider configured, it chooses
   * among the intent workflows near the message when their scores leave intent matching unsure
   * (unsureIntents), and intent matching is the fallback when it fails or times out; other
   * trigger types are always decided here. A preview conversation
   * evaluates all the tenant's workflows (drafts run there); the index holds enabled ones only.
   */
  private async candidatesFor(
    tenantId: string,
    input: TriggerInput,
    state: ConversationState,
  ): Promise<FiredWorkflow<WorkflowDefinition>[]> {
    const { workflows, phraseVectors: phrases, index } = await this.snapshotOf(tenantId);
    // The model runs only where it can change the outcome: see WorkflowIndex.wantsMessageVector.
    // Preview conversations also run drafts, which the index (enabled workflows only) leaves out.
    if (this.intentVectors && phrases && input.message) {
      input.semantics = (input.preview ? input.message.role === 'contact' : index.wantsMessageVector(input))
        ? { message: await this.intentVectors.messageVector(input.message.text), phrases }
        : { phrases };
    }
    const explained = input.preview ? explainWorkflows(workflows, input) : undefined;
    const matched = explained ? firedOf(explained) : index.evaluate(input);
    if (!this.decisionProvider || input.message?.role !== 'contact') return matched;
    // The cascade: the provider (an LLM, slow and paid for) only decides what the scores leave open.
    const margin = this.config.DECISION_PROVIDER_UNSURE_MARGIN;
    const unsure = unsureIntents(explained ?? index.explainNearIntents(input, margin), margin, input);
    if (!unsure) return matched;
    decisionProviderRequests.inc();
    try {
      const chosen = new Set(
        // The state already holds the message as the last entry of its transcript: sent once, as the message.
        await this.decisionProvider.choose(
          decisionRequestOf(input.message.text, state.transcript.slice(0, -1), unsure),
        ),
      );
      // A message means one thing, as in intent matching: of the workflows the model called, the closest.
      const choice = unsure.find((workflow) => chosen.has(workflow.id));
      const byProvider = choice
        ? [
            {
              workflow: choice,
              match: { type: 'intent' as const, score: 1, threshold: 1, detail: 'chosen by the decision provider' },
            },
          ]
        : [];
      return [...byProvider, ...matched.filter(({ match }) => match.type !== 'intent')].sort(firingOrder);
    } catch (error) {
      decisionProviderFallbacks.inc();
      this.logger.warn({ err: error }, 'decision provider failed; intent matching decides');
      return matched;
    }
  }

  /** The tenant's workflow definitions, every status (a timer tick, a preview conversation). */
  private workflowsOf(tenantId: string): WorkflowDefinition[] {
    if (this.groupedAt !== this.definitions.changes) {
      const changes = this.definitions.changes;
      const byTenant = new Map<string, WorkflowDefinition[]>();
      for (const workflow of this.definitions.values()) {
        const workflows = byTenant.get(workflow.tenantId);
        if (workflows) workflows.push(workflow);
        else byTenant.set(workflow.tenantId, [workflow]);
      }
      for (const tenantId of this.snapshots.keys()) if (!byTenant.has(tenantId)) this.snapshots.delete(tenantId);
      this.byTenant = byTenant;
      this.groupedAt = changes;
    }
    return this.byTenant.get(tenantId) ?? [];
  }

  /**
   * The tenant's definitions with the vectors of their phrases (each distinct text embedded once;
   * unchanged ones come from the cache) and its candidate index, rebuilt only when the tenant's own
   * definitions changed: another tenant's change leaves them be (building a large tenant's index
   * takes seconds, on the path of the next batch).
   */
  private async snapshotOf(tenantId: string): Promise<TenantSnapshot> {
    const workflows = this.workflowsOf(tenantId);
    const built = this.snapshots.get(tenantId);
    // Compared only once per grouping, not on every message.
    if (built && (built.groupedAt === this.groupedAt || sameItems(built.workflows, workflows))) {
      built.groupedAt = this.groupedAt;
      return built;
    }
    const groupedAt = this.groupedAt;
    const phraseVectors = await this.intentVectors?.phraseVectorsOf(workflows);
    const snapshot = { workflows, phraseVectors, index: new WorkflowIndex(workflows, phraseVectors), groupedAt };
    this.snapshots.set(tenantId, snapshot);
    return snapshot;
  }
}

/** A tenant's definitions, the vectors of their phrases and the candidate index built from them: one consistent snapshot. */
interface TenantSnapshot {
  workflows: WorkflowDefinition[];
  phraseVectors: PhraseVectors | undefined;
  index: WorkflowIndex<WorkflowDefinition>;
  /** The grouping its workflows were last found the same in. */
  groupedAt: number;
}

/** The same definitions (objects, in order): the view keeps an unchanged definition's object. */
function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((item, index) => item === b[index]);
}

/** The trigger of a workflow that fires in the conversation (`state`, with its transcript) for `cause`. */
function triggerOf(
  state: ConversationState,
  workflow: WorkflowDefinition,
  cause: Cause,
  match: WorkflowTriggered['match'],
  now: Date,
): WorkflowTriggered {
  return {
    triggerId: triggerIdOf(state.tenantId, cause.event.source, cause.event.id, workflow.id),
    tenantId: state.tenantId,
    conversationId: state.conversationId,
    workflow: { id: workflow.id, version: workflow.version, name: workflow.name },
    event: cause.event,
    ...(cause.message ? { message: cause.message } : {}),
    ...(cause.ai ? { ai: cause.ai } : {}),
    ...(cause.contact ? { contact: cause.contact } : {}),
    ...(cause.memory && Object.keys(cause.memory).length > 0 ? { memory: cause.memory } : {}),
    transcript: state.transcript,
    match,
    ...(state.preview ? { preview: true } : {}),
    ...(state.ended ? { conversationEnded: true } : {}),
    firedAt: now.toISOString(),
  };
}
