import type { Trigger } from '@app/contracts';
import type { TriggerMatcher } from './trigger-matcher';

/**
 * Smart escalation: on each failed AI answer, scores failed answers ÷ `count`; fires on the
 * answer that reaches `count` (the firing policy decides about later ones).
 */
export const failedAnswersTriggerMatcher: TriggerMatcher<Extract<Trigger, { type: 'failed_answers' }>> = (
  trigger,
  input,
) => {
  if (input.message?.role !== 'ai' || input.ai?.answered !== false || input.failedAnswers === undefined) return null;
  return {
    type: 'failed_answers',
    score: Math.min(1, input.failedAnswers / trigger.count),
    threshold: 1,
    detail: `${input.failedAnswers} of ${trigger.count} failed AI answers`,
  };
};

/** Fires when the conversation ends (the trigger carries the transcript). */
export const conversationEndTriggerMatcher: TriggerMatcher<Extract<Trigger, { type: 'conversation_end' }>> = (
  _,
  input,
) =>
  input.conversationEnded ? { type: 'conversation_end', score: 1, threshold: 1, detail: 'conversation ended' } : null;
