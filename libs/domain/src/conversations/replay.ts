import type { ConversationEvent, TriggerMatch } from '@app/contracts';
import { evaluateWorkflows, explainWorkflows, firedOf, type FiredWorkflow, type IntentSemantics } from '../triggers';
import { newConversationState, recordEvent, recordFirings, type ConversationState } from './conversation-state';
import { decideFirings, type FiringWorkflow } from './firing-policy';
import { markTimersDecided, timerInputOf, timersDueAt } from './timers';
import { eventInputOf } from './trigger-input';

/** One time a workflow would have fired in a replayed conversation. */
export interface ReplayedFiring {
  /** The event's time, or for a no_reply timer the instant it was due. */
  at: string;
  /** The message it fired on; absent for timers and the end of the conversation. */
  message?: { id: string; text: string };
  match: TriggerMatch;
}

export interface ReplayOptions {
  /** Loop protection, as in trigger-matcher: firings one conversation may have per minute. */
  maxPerMinute: number;
  /** The end of the replayed period: no_reply timers still pending after the last event fire if due by then. */
  until: Date;
  /** The vectors of a contact message for intent triggers (see TriggerInput.semantics), when a model is loaded. */
  semanticsOf?: (text: string) => IntentSemantics | undefined;
}

/**
 * Replays one stored conversation (its events in arrival order) through the engine for one
 * workflow, as if it had been enabled all along: the same state updates (`recordEvent`), trigger
 * evaluation (`explainWorkflows`) and firing policy (`decideFirings`) as trigger-matcher, on the
 * events' own clock. A no_reply timer fires when it fell due before the next event (a reply
 * cancels it, as live) or, after the last event, before `until`. What the replay cannot see:
 * memory the contact's other conversations taught (conditions see this conversation's own), the
 * other workflows of the tenant (outranking, the shared per-minute limit), and a decision provider.
 */
export function replayConversation(
  workflow: FiringWorkflow,
  events: readonly ConversationEvent[],
  options: ReplayOptions,
): ReplayedFiring[] {
  const live = { ...workflow, status: 'enabled' as const };
  const firings: ReplayedFiring[] = [];

  const fire = (
    candidates: FiredWorkflow<typeof live>[],
    state: ConversationState,
    now: Date,
    message?: ReplayedFiring['message'],
  ): ConversationState => {
    const decision = decideFirings(candidates, state, { now, maxPerMinute: options.maxPerMinute });
    for (const { match } of decision.fire)
      firings.push({ at: now.toISOString(), ...(message ? { message } : {}), match });
    return recordFirings(
      state,
      decision.fire.map((fired) => fired.workflow.id),
      now,
    );
  };

  /** What a timer tick would have done at the timer's due time, if that is not later than `by`. */
  const runDueTimer = (state: ConversationState, by: number): ConversationState => {
    const due = timersDueAt(state, [live]);
    if (due === null || due > by) return state;
    const now = new Date(due);
    const input = timerInputOf(state, now, state.memory);
    if (!input) return state;
    const evaluations = explainWorkflows([live], input);
    const decided = evaluations.filter(({ match }) => match && match.score >= match.threshold);
    return fire(
      firedOf(evaluations),
      markTimersDecided(
        state,
        decided.map((evaluation) => evaluation.workflow.id),
      ),
      now,
    );
  };

  let state: ConversationState | undefined;
  for (const event of events) {
    const at = Date.parse(event.time);
    // A timer due at the very instant of the next event loses to it: the event is the reply.
    state = runDueTimer(state ?? newConversationState(event.tenantid, event.subject, event.time), at - 1);
    state = recordEvent(state, event);
    const input = eventInputOf(event, state, state.memory);
    if (!input) continue;
    if (input.message?.role === 'contact') input.semantics = options.semanticsOf?.(input.message.text);
    const message =
      event.type === 'conversation.message.created' ? { id: event.data.messageId, text: event.data.text } : undefined;
    state = fire(evaluateWorkflows([live], input), state, new Date(at), message);
  }
  if (state) runDueTimer(state, options.until.getTime());
  return firings;
}
