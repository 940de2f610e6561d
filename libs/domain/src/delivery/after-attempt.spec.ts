import type { Attempt, PendingDelivery } from '@app/contracts';
import { afterAttempt } from './after-attempt';
import { RetrySchedule } from './retry-schedule';

describe('afterAttempt', () => {
  const now = new Date('2026-11-24T10:00:00.000Z');
  const schedule = RetrySchedule.parse('1s,1m');
  const pending = { executionId: 'e1', attempts: [], dueAt: now.toISOString() } as unknown as PendingDelivery;
  const attempt = (number: number, statusCode?: number, error?: string): Attempt => ({
    number,
    startedAt: now.toISOString(),
    durationMs: 3,
    ...(statusCode ? { statusCode } : {}),
    ...(error ? { error } : {}),
  });
  const noJitter = () => 0;

  it('finishes on delivery', () => {
    expect(afterAttempt(pending, attempt(1, 200), { kind: 'delivered' }, schedule, now)).toEqual({
      status: 'succeeded',
      attempts: [attempt(1, 200)],
    });
  });

  it('schedules the next attempt on the schedule, and gives up when it is exhausted', () => {
    const first = afterAttempt(
      pending,
      attempt(1, 500, 'HTTP 500: boom'),
      { kind: 'retry', throttle: false },
      schedule,
      now,
      noJitter,
    );
    expect(first).toMatchObject({
      status: 'retrying',
      reason: 'HTTP 500: boom',
      next: { dueAt: '2026-11-24T10:00:01.000Z' },
    });
    if (first.status !== 'retrying') throw new Error('expected retrying');
    expect(first.next.attempts).toHaveLength(1);
    expect(first).not.toHaveProperty('holdEndpointUntil');
    const second = afterAttempt(
      first.next,
      attempt(2, undefined, 'timed out after 15000 ms'),
      { kind: 'retry', throttle: false },
      schedule,
      now,
      noJitter,
    );
    expect(second).toMatchObject({ status: 'retrying', next: { dueAt: '2026-11-24T10:01:00.000Z' } });
    if (second.status !== 'retrying') throw new Error('expected retrying');
    const third = afterAttempt(
      second.next,
      attempt(3, 503, 'HTTP 503: '),
      { kind: 'retry', throttle: false },
      schedule,
      now,
      noJitter,
    );
    expect(third).toMatchObject({
      status: 'failed',
      reason: 'gave up after 3 attempt(s): HTTP 503: ',
      endpointGone: false,
    });
  });

  it('holds a throttling endpoint back for its Retry-After', () => {
    const throttled = afterAttempt(
      pending,
      attempt(1, 429),
      { kind: 'retry', throttle: true, retryAfterMs: 30_000 },
      schedule,
      now,
      noJitter,
    );
    expect(throttled).toMatchObject({
      status: 'retrying',
      next: { dueAt: '2026-11-24T10:00:30.000Z' },
      holdEndpointUntil: new Date('2026-11-24T10:00:30.000Z'),
    });
  });

  it('fails at once on a final answer, and marks a 410 endpoint as gone', () => {
    expect(
      afterAttempt(pending, attempt(1, 400, 'HTTP 400: bad'), { kind: 'final', reason: 'HTTP 400' }, schedule, now),
    ).toMatchObject({
      status: 'failed',
      reason: 'HTTP 400: bad',
      endpointGone: false,
    });
    expect(afterAttempt(pending, attempt(1, 410), { kind: 'endpoint_gone' }, schedule, now)).toMatchObject({
      status: 'failed',
      endpointGone: true,
    });
  });
});
