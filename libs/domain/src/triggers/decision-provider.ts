import type { CandidateWorkflow } from './index';

/** What a decision provider is asked: which of these workflows does the contact's message call for? */
export interface DecisionRequest {
  message: string;
  /** The conversation before `message` (which is not repeated in it). */
  transcript: readonly { role: string; text: string }[];
  workflows: readonly { id: string; name: string; phrases: readonly string[] }[];
}

/**
 * A pluggable decider of intent workflows (an LLM behind an OpenAI-compatible endpoint, say).
 * Resolves with the ids of the workflows it chose (none is a valid answer); rejects when it cannot
 * answer, and the engine then falls back to intent matching.
 */
export interface DecisionProvider {
  choose(request: DecisionRequest): Promise<string[]>;
}

/** What a decision provider is asked about a contact's message and the workflows it may choose among. */
export function decisionRequestOf(
  message: string,
  transcript: DecisionRequest['transcript'],
  workflows: readonly CandidateWorkflow[],
): DecisionRequest {
  return {
    message,
    transcript,
    workflows: workflows.map(({ id, name, trigger }) => ({
      id,
      name,
      phrases: trigger.type === 'intent' ? trigger.phrases : [],
    })),
  };
}
