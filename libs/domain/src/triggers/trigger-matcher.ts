import type { AiAnnotationsSchema, Trigger, TriggerMatch } from '@app/contracts';
import type { Static } from '@sinclair/typebox';
import type { ContactMemory } from '../conditions/evaluate-condition';
import type { IntentSemantics } from './sentence-encoder';

/** What a trigger sees of a conversation event and of the conversation so far. */
export interface TriggerInput {
  message?: { role: 'contact' | 'ai' | 'agent'; text: string };
  /** The platform AI's annotations of the message. */
  ai?: Static<typeof AiAnnotationsSchema>;
  /** What is known of the contact (attributes such as vip, plan, previousIssues). */
  memory?: ContactMemory;
  /** Failed AI answers in the conversation, this message included. */
  failedAnswers?: number;
  /** The event is the end of the conversation. */
  conversationEnded?: boolean;
  /** A timer woke the conversation up: who it waits for since when, the no_reply workflows already decided, and now. */
  waiting?: { for: 'contact' | 'agent'; since: string; handled: readonly string[]; now: string };
  /** A preview conversation: draft workflows run on it too. */
  preview?: boolean;
  /**
   * The contact message's vector and the phrase vectors, for intent triggers; without them intent
   * triggers only match phrases with the same words as the message.
   */
  semantics?: IntentSemantics;
}

/** The workflow a trigger belongs to, for triggers that name it (an AI request). */
export interface TriggerOwner {
  id: string;
  name: string;
  /**
   * When the workflow's current version was made: a `no_reply` wait already overdue then is not
   * its business (judgesWait). Left out where a workflow is judged as if it had always been live
   * (backtests).
   */
  updatedAt?: string;
}

/**
 * Scores one trigger against an input: null when the trigger does not apply to it at all (an
 * intent trigger and an AI message), else its match, which fires when score ≥ threshold.
 */
export type TriggerMatcher<T extends Trigger = Trigger> = (
  trigger: T,
  input: TriggerInput,
  owner: TriggerOwner,
) => TriggerMatch | null;
