import type { Trigger, TriggerMatch } from '@app/contracts';
import type { ContactMemory } from '../conditions/evaluate-condition';

/** What a trigger sees of a conversation event. */
export interface TriggerInput {
  message?: { role: 'contact' | 'ai' | 'agent'; text: string };
  /** What is known of the contact (attributes such as vip, plan, previousIssues). */
  memory?: ContactMemory;
}

/**
 * Scores one trigger against an input: null when the trigger does not apply to it at all (an
 * intent trigger and an AI message), else the best match, which fires when score ≥ threshold.
 */
export type TriggerMatcher<T extends Trigger = Trigger> = (trigger: T, input: TriggerInput) => TriggerMatch | null;
