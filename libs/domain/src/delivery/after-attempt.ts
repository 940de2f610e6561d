import type { Attempt, PendingDelivery } from '@app/contracts';
import type { DeliveryVerdict } from './delivery-outcome';
import type { RetrySchedule } from './retry-schedule';

/** Where an execution stands after an attempt, and what the dispatcher must record. */
export type AfterAttempt =
  | { status: 'succeeded'; attempts: Attempt[] }
  | { status: 'failed'; attempts: Attempt[]; reason: string; endpointGone: boolean }
  | { status: 'retrying'; attempts: Attempt[]; reason: string; next: PendingDelivery; holdEndpointUntil?: Date };

/**
 * Applies an attempt's verdict to a pending execution: done, given up (final answer or schedule
 * exhausted), or the same execution due again later (`Retry-After` respected, and when the
 * receiver throttled, its endpoint held back until then).
 */
export function afterAttempt(
  pending: PendingDelivery,
  attempt: Attempt,
  verdict: DeliveryVerdict,
  schedule: RetrySchedule,
  now: Date,
  random: () => number = Math.random,
): AfterAttempt {
  const attempts = [...pending.attempts, attempt];
  switch (verdict.kind) {
    case 'delivered':
      return { status: 'succeeded', attempts };
    case 'final':
      return { status: 'failed', attempts, reason: attempt.error ?? verdict.reason, endpointGone: false };
    case 'endpoint_gone':
      return { status: 'failed', attempts, reason: 'HTTP 410 Gone: endpoint disabled', endpointGone: true };
    case 'retry': {
      const delayMs = schedule.nextDelayMs(attempts.length, verdict.retryAfterMs, random);
      const lastError = attempt.error ?? `HTTP ${attempt.statusCode}`;
      if (delayMs === null) {
        return {
          status: 'failed',
          attempts,
          reason: `gave up after ${attempts.length} attempt(s): ${lastError}`.slice(0, 2000),
          endpointGone: false,
        };
      }
      const dueAt = new Date(now.getTime() + delayMs);
      return {
        status: 'retrying',
        attempts,
        reason: lastError.slice(0, 2000),
        next: { ...pending, attempts, dueAt: dueAt.toISOString() },
        ...(verdict.throttle && verdict.retryAfterMs !== undefined
          ? { holdEndpointUntil: new Date(now.getTime() + verdict.retryAfterMs) }
          : {}),
      };
    }
  }
}
