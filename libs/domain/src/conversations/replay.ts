import type { ConversationEvent, TriggerMatch } from '@app/contracts';
import type { IntentSemantics } from '../triggers';
import type { FiringWorkflow } from './firing-policy';
import { judgeConversation } from './judge-conversation';

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
 * workflow, as if it had been enabled all along: `judgeConversation`, the same state updates,
 * trigger evaluation and firing policy as trigger-matcher, on the events' own clock. A no_reply
 * timer fires when it fell due before the next event (a reply cancels it, as live) or, after the
 * last event, before `until`. What the replay cannot see:
 * memory the contact's other conversations taught (conditions see this conversation's own), the
 * other workflows of the tenant (outranking, the shared per-minute limit), and a decision provider.
 */
export function replayConversation(
  workflow: FiringWorkflow,
  events: readonly ConversationEvent[],
  options: ReplayOptions,
): ReplayedFiring[] {
  const live = { ...workflow, status: 'enabled' as const };
  const judgements = judgeConversation([live], events, {
    maxPerMinute: options.maxPerMinute,
    semanticsOf: options.semanticsOf,
    timersUntil: options.until,
  });
  return judgements.flatMap(({ event, at, decision }) => {
    const message =
      event?.type === 'conversation.message.created' ? { id: event.data.messageId, text: event.data.text } : undefined;
    return decision.fire.map(({ match }) => ({ at, ...(message ? { message } : {}), match }));
  });
}
