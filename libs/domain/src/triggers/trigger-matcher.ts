import type { Trigger, TriggerMatch } from '@app/contracts';
import type { ContactMemory } from '../conditions/evaluate-condition';

/** What a trigger sees of a conversation event. */
export interface TriggerInput {
  message?: { role: 'contact' | 'ai' | 'agent'; text: string };
  /** What is known of the contact (attributes such as vip, plan, previousIssues). */
  memory?: ContactMemory;
}

/** Decides whether one trigger fires for an input; null when it does not, else why it did. */
export type TriggerMatcher<T extends Trigger = Trigger> = (trigger: T, input: TriggerInput) => TriggerMatch | null;
