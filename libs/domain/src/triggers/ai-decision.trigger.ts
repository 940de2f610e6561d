import type { Trigger } from '@app/contracts';
import type { TriggerMatcher } from './trigger-matcher';

/** The AI's confidence needed by an `ai_intent` trigger that does not set one. */
export const DEFAULT_AI_CONFIDENCE = 0.7;

/**
 * Fires when the platform AI detected one of the trigger's intents with enough confidence. Applies
 * only to a listed intent, so that no confidence threshold (not even 0) fires it on another one.
 */
export const aiIntentTriggerMatcher: TriggerMatcher<Extract<Trigger, { type: 'ai_intent' }>> = (trigger, input) => {
  const detected = input.ai?.intent;
  if (detected === undefined || !trigger.intents.some((intent) => sameAiIntent(intent, detected))) return null;
  const confidence = input.ai?.confidence ?? 1;
  return {
    type: 'ai_intent',
    score: confidence,
    threshold: trigger.minConfidence ?? DEFAULT_AI_CONFIDENCE,
    detail: `AI detected "${detected}" with confidence ${confidence}`,
  };
};

/** AI intents compare case-insensitively; this is the key the workflow index files them under. */
export function aiIntentKeyOf(intent: string): string {
  return intent.toLowerCase();
}

function sameAiIntent(listed: string, detected: string): boolean {
  return aiIntentKeyOf(listed) === aiIntentKeyOf(detected);
}

/** Fires when the platform AI asks to run this workflow, naming its id or its name. */
export const aiRequestTriggerMatcher: TriggerMatcher<Extract<Trigger, { type: 'ai_request' }>> = (_, input, owner) => {
  const requested = input.ai?.requestedWorkflow;
  if (requested === undefined) return null;
  const key = workflowNameKeyOf(requested);
  const named = key === workflowNameKeyOf(owner.id) || key === workflowNameKeyOf(owner.name);
  return { type: 'ai_request', score: named ? 1 : 0, threshold: 1, detail: `AI requested "${requested}"` };
};

/** An AI request names a workflow by its id or its name, either case-insensitively: the key of one. */
export function workflowNameKeyOf(name: string): string {
  return name.toLowerCase();
}
