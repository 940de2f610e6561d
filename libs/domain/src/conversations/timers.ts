import type { ContactMemory } from '../conditions/evaluate-condition';
import { judgesWait, runsOn, type CandidateWorkflow, type TriggerInput } from '../triggers';
import { contactRequestsDueAt } from './contact-requests';
import type { ConversationState } from './conversation-state';

/** How long trigger-matcher keeps the state of a conversation nothing happens in. */
export interface StateExpiry {
  /** After the last event of a conversation that has not ended. */
  idleSeconds: number;
  /** After the end (late events still find the state for that long). */
  endedSeconds: number;
}

/** When the conversation's state is forgotten (ms since the epoch), counted from its last event. */
export function expiresAt(state: ConversationState, expiry: StateExpiry): number {
  return Date.parse(state.lastEventAt) + (state.ended ? expiry.endedSeconds : expiry.idleSeconds) * 1000;
}

/**
 * When the earliest pending no_reply timer of the conversation is due (ms since the epoch), or
 * null when none is pending: the conversation waits for the trigger's side, the workflow runs on
 * it and has not been decided yet for this wait. `workflows` are the tenant's.
 */
export function timersDueAt(state: ConversationState, workflows: Iterable<CandidateWorkflow>): number | null {
  const { waiting } = state;
  if (!waiting) return null;
  let due: number | null = null;
  for (const workflow of workflows) {
    const { id, status, trigger } = workflow;
    if (trigger.type !== 'no_reply' || trigger.waitingFor !== waiting.for) continue;
    if (!runsOn(status, state) || waiting.handled.includes(id)) continue;
    if (!judgesWait(trigger.seconds, waiting.since, workflow)) continue;
    const at = Date.parse(waiting.since) + trigger.seconds * 1000;
    if (due === null || at < due) due = at;
  }
  return due;
}

/**
 * When the conversation next needs waking up: its earliest pending timer or waiting escalation
 * (contact-requests.ts), else its expiry (either holds the expiry back, so that a long wait still
 * fires).
 */
export function nextWakeUpAt(
  state: ConversationState,
  workflows: Iterable<CandidateWorkflow>,
  expiry: StateExpiry,
): number {
  return pendingAt(state, workflows) ?? expiresAt(state, expiry);
}

/** Whether the state is to be forgotten at `now`: past its expiry, with no timer or escalation pending. */
export function isExpired(
  state: ConversationState,
  workflows: Iterable<CandidateWorkflow>,
  expiry: StateExpiry,
  now: Date,
): boolean {
  return pendingAt(state, workflows) === null && now.getTime() >= expiresAt(state, expiry);
}

function pendingAt(state: ConversationState, workflows: Iterable<CandidateWorkflow>): number | null {
  const times = [timersDueAt(state, workflows), contactRequestsDueAt(state)].filter((at) => at !== null);
  return times.length > 0 ? Math.min(...times) : null;
}

/** What triggers see when a timer wakes the conversation up at `now`; null if it waits for nobody. */
export function timerInputOf(state: ConversationState, now: Date, memory: ContactMemory): TriggerInput | null {
  if (!state.waiting) return null;
  return {
    waiting: { ...state.waiting, now: now.toISOString() },
    memory,
    failedAnswers: state.failedAnswers,
    preview: state.preview,
  };
}

/**
 * Notes the no_reply workflows decided for the current wait, whether they fired or not (their
 * conditions were false, the firing policy held them back): a repeated tick decides nothing again.
 */
export function markTimersDecided(state: ConversationState, workflowIds: readonly string[]): ConversationState {
  if (!state.waiting || workflowIds.length === 0) return state;
  return { ...state, waiting: { ...state.waiting, handled: [...state.waiting.handled, ...workflowIds] } };
}
