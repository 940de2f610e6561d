import type { Trigger } from '@app/contracts';
import type { TriggerMatcher, TriggerOwner } from './trigger-matcher';

/**
 * Whether the workflow judges a wait that began at `since`: not when it was already overdue when
 * the workflow's current version was made. Creating, enabling or shortening a `no_reply` workflow
 * does not fire it at once on every conversation that has waited longer than its `seconds`
 * (days, for a dormant one); a wait still short of it is judged as if the workflow had always
 * been live. Without `updatedAt` (backtests), every wait.
 */
export function judgesWait(seconds: number, since: string, owner: Pick<TriggerOwner, 'updatedAt'>): boolean {
  const version = owner.updatedAt === undefined ? NaN : Date.parse(owner.updatedAt);
  return Number.isNaN(version) || Date.parse(since) + seconds * 1000 >= version;
}

/**
 * Time-based: applies only when a timer woke the conversation up while it waits for the
 * trigger's side, the workflow was not yet decided for this wait and judges it (judgesWait);
 * scores the time waited ÷ `seconds`, so it fires once the wait reached `seconds`.
 */
export const noReplyTriggerMatcher: TriggerMatcher<Extract<Trigger, { type: 'no_reply' }>> = (
  trigger,
  input,
  owner,
) => {
  const { waiting } = input;
  if (!waiting || waiting.for !== trigger.waitingFor || waiting.handled.includes(owner.id)) return null;
  if (!judgesWait(trigger.seconds, waiting.since, owner)) return null;
  const waitedSeconds = Math.max(0, (Date.parse(waiting.now) - Date.parse(waiting.since)) / 1000);
  return {
    type: 'no_reply',
    score: Math.min(1, waitedSeconds / trigger.seconds),
    threshold: 1,
    detail: `no reply from the ${trigger.waitingFor} for ${Math.floor(waitedSeconds)} s (fires after ${trigger.seconds} s)`,
  };
};
