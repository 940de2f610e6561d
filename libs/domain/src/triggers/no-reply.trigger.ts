import type { Trigger } from '@app/contracts';
import type { TriggerMatcher } from './trigger-matcher';

/**
 * Time-based: applies only when a timer woke the conversation up while it waits for the
 * trigger's side and the workflow was not yet decided for this wait; scores the time waited ÷
 * `seconds`, so it fires once the wait reached `seconds`.
 */
export const noReplyTriggerMatcher: TriggerMatcher<Extract<Trigger, { type: 'no_reply' }>> = (
  trigger,
  input,
  owner,
) => {
  const { waiting } = input;
  if (!waiting || waiting.for !== trigger.waitingFor || waiting.handled.includes(owner.id)) return null;
  const waitedSeconds = Math.max(0, (Date.parse(waiting.now) - Date.parse(waiting.since)) / 1000);
  return {
    type: 'no_reply',
    score: Math.min(1, waitedSeconds / trigger.seconds),
    threshold: 1,
    detail: `no reply from the ${trigger.waitingFor} for ${Math.floor(waitedSeconds)} s (fires after ${trigger.seconds} s)`,
  };
};
