import type { ConversationEvent } from '@app/contracts';
import type { ContactMemory } from '../conditions/evaluate-condition';
import { explainWorkflows, firedOf, type IntentSemantics, type WorkflowEvaluation } from '../triggers';
import { newConversationState, recordEvent, recordFirings, type ConversationState } from './conversation-state';
import { decideFirings, type FiringDecision, type FiringWorkflow, type SuppressionReason } from './firing-policy';
import { markTimersDecided, timerInputOf, timersDueAt } from './timers';
import { eventInputOf } from './trigger-input';

/** What the engine decided at one moment of a conversation: one of its events, or a no_reply timer falling due. */
export interface Judgement<W extends FiringWorkflow> {
  /** The event judged; absent for a timer. */
  event?: ConversationEvent;
  /** The event's time, or the instant the timer fell due. */
  at: string;
  /** Why each workflow's trigger fires or not, before the firing policy (`explainWorkflows`). */
  evaluations: WorkflowEvaluation<W>[];
  /** Which of the workflows whose trigger fired really fire (in firing order), and why the others do not (`decideFirings`). */
  decision: FiringDecision<W>;
}

export interface JudgeOptions {
  /** Loop protection, as in trigger-matcher: firings one conversation may have per minute. */
  maxPerMinute: number;
  /** The vectors of a contact message for intent triggers (see TriggerInput.semantics), when a model is loaded. */
  semanticsOf?: (text: string) => IntentSemantics | undefined;
  /** The contact memory the conversation starts with; its events' memory changes apply over it. */
  memory?: ContactMemory;
  /**
   * Judge no_reply timers on the events' clock: a timer fires when it fell due before the next
   * event, or, after the last one, by this instant. Absent: no timers (times that mean nothing,
   * such as a sample conversation's).
   */
  timersUntil?: Date;
}

/**
 * Judges a conversation (its events in arrival order) as trigger-matcher would, on the events'
 * own clock: the state each event leaves (`recordEvent`: failed AI answers, memory, the end), the
 * workflows' triggers and conditions on it (`explainWorkflows`), then the firing policy over the
 * firings so far (`decideFirings`: once per conversation, cooldowns, the per-minute limit). One
 * judgement per event that triggers see (memory updates fire nothing) and per timer that fell due.
 */
export function judgeConversation<W extends FiringWorkflow>(
  workflows: readonly W[],
  events: readonly ConversationEvent[],
  options: JudgeOptions,
): Judgement<W>[] {
  const judgements: Judgement<W>[] = [];

  const judge = (
    state: ConversationState,
    evaluations: WorkflowEvaluation<W>[],
    now: Date,
    event?: ConversationEvent,
  ): ConversationState => {
    // Loop protection: an event a workflow's own action caused never fires that workflow.
    const causedByWorkflowId = event?.data.causedBy?.workflowId;
    const decision = decideFirings(firedOf(evaluations), state, {
      now,
      causedByWorkflowId,
      maxPerMinute: options.maxPerMinute,
    });
    judgements.push({ ...(event ? { event } : {}), at: now.toISOString(), evaluations, decision });
    return recordFirings(
      state,
      decision.fire.map(({ workflow }) => workflow.id),
      now,
    );
  };

  /** What timer ticks would have done at the due times of the timers due by `by`. */
  const runTimersDueBy = (initial: ConversationState, by: number): ConversationState => {
    let state = initial;
    // Each round decides at least the timers due at its instant (they score 1 then), so the next is later.
    for (let due = timersDueAt(state, workflows); due !== null && due <= by; due = timersDueAt(state, workflows)) {
      const now = new Date(due);
      // A timer is due only while the conversation waits, so there is a timer input.
      const evaluations = explainWorkflows(workflows, timerInputOf(state, now, state.memory)!);
      const decided = evaluations.filter(({ match }) => match && match.score >= match.threshold);
      state = judge(
        markTimersDecided(
          state,
          decided.map(({ workflow }) => workflow.id),
        ),
        evaluations,
        now,
      );
    }
    return state;
  };

  let state: ConversationState | undefined;
  for (const event of events) {
    const now = new Date(event.time);
    state ??= { ...newConversationState(event.tenantid, event.subject, event.time), memory: options.memory ?? {} };
    // A timer due at the very instant of the next event loses to it: the event is the reply.
    if (options.timersUntil) state = runTimersDueBy(state, now.getTime() - 1);
    state = recordEvent(state, event);
    const input = eventInputOf(event, state, state.memory);
    if (!input) continue;
    if (input.message?.role === 'contact') input.semantics = options.semanticsOf?.(input.message.text);
    state = judge(state, explainWorkflows(workflows, input), now, event);
  }
  if (state && options.timersUntil) runTimersDueBy(state, options.timersUntil.getTime());
  return judgements;
}

/**
 * A workflow's outcome at a judged moment, the firing policy included: `fired` only when it really
 * fires; `held_back`, with the policy's reason, when its trigger fired but the policy held it back;
 * else why its trigger did not fire.
 */
export type FiringOutcome =
  { outcome: WorkflowEvaluation<FiringWorkflow>['outcome'] } | { outcome: 'held_back'; reason: SuppressionReason };

export function firingOutcomeOf<W extends FiringWorkflow>(
  judgement: Judgement<W>,
  evaluation: WorkflowEvaluation<W>,
): FiringOutcome {
  const heldBack = judgement.decision.suppressed.find(({ workflowId }) => workflowId === evaluation.workflow.id);
  return heldBack ? { outcome: 'held_back', reason: heldBack.reason } : { outcome: evaluation.outcome };
}
