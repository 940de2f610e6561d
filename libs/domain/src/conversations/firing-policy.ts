import type { FiringPolicy } from '@app/contracts';
import type { CandidateWorkflow, FiredWorkflow } from '../triggers';
import type { ConversationState } from './conversation-state';

export type FiringWorkflow = CandidateWorkflow & { firing: FiringPolicy };

export type SuppressionReason = 'caused_by_itself' | 'already_fired' | 'cooling_down' | 'outranked' | 'rate_limited';

export interface FiringDecision<W extends FiringWorkflow> {
  fire: FiredWorkflow<W>[];
  suppressed: { workflowId: string; reason: SuppressionReason }[];
}

const MINUTE_MS = 60_000;

/**
 * Which of the workflows whose trigger fired (best first) really fire, given the conversation:
 * never the workflow whose own action caused the event (loop protection); each workflow's firing
 * policy (once per conversation, every time, or after a cooldown); of competing intent matches only
 * the best; and at most `maxPerMinute` firings per conversation per minute.
 */
export function decideFirings<W extends FiringWorkflow>(
  candidates: readonly FiredWorkflow<W>[],
  state: ConversationState,
  context: { causedByWorkflowId?: string; now: Date; maxPerMinute: number },
): FiringDecision<W> {
  const decision: FiringDecision<W> = { fire: [], suppressed: [] };
  const suppress = (workflowId: string, reason: SuppressionReason) => decision.suppressed.push({ workflowId, reason });
  const now = context.now.getTime();
  let firedLastMinute = state.firings.filter((firing) => now - Date.parse(firing.at) < MINUTE_MS).length;
  // Competing intents: the message means one thing, so only the best-scoring intent workflow may fire.
  const bestIntent = candidates.find(({ match }) => match.type === 'intent');
  for (const candidate of candidates) {
    const { workflow, match } = candidate;
    const lastFiring = state.firings.findLast((firing) => firing.workflowId === workflow.id);
    if (match.type === 'intent' && candidate !== bestIntent) suppress(workflow.id, 'outranked');
    else if (workflow.id === context.causedByWorkflowId) suppress(workflow.id, 'caused_by_itself');
    else if (workflow.firing.mode === 'once_per_conversation' && lastFiring) suppress(workflow.id, 'already_fired');
    else if (
      workflow.firing.mode === 'cooldown' &&
      lastFiring &&
      now - Date.parse(lastFiring.at) < workflow.firing.cooldownSeconds * 1000
    ) {
      suppress(workflow.id, 'cooling_down');
    } else if (firedLastMinute >= context.maxPerMinute) suppress(workflow.id, 'rate_limited');
    else {
      decision.fire.push(candidate);
      firedLastMinute += 1;
    }
  }
  return decision;
}
