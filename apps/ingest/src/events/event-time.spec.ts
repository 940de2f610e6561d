import { messageCreatedEvent } from '@app/testing';
import { MAX_EVENT_TIME_AHEAD_MS, refuseEventFromTheFuture } from './event-time';

describe('refuseEventFromTheFuture', () => {
  const arrivedAt = Date.parse('2026-12-07T10:00:00Z');
  const at = (ms: number) => messageCreatedEvent('t', 'c', 'hi', { time: new Date(ms).toISOString() });

  it('takes events from the past and from a clock up to a day ahead', () => {
    for (const time of [Date.parse('2020-01-01T00:00:00Z'), arrivedAt, arrivedAt + MAX_EVENT_TIME_AHEAD_MS]) {
      expect(() => refuseEventFromTheFuture(at(time), arrivedAt)).not.toThrow();
    }
  });

  it('judges a record without a timestamp (-1, or none) by the time it is read', () => {
    for (const missing of [-1, Number.NaN]) {
      expect(() => refuseEventFromTheFuture(at(Date.now()), missing)).not.toThrow();
      expect(() => refuseEventFromTheFuture(at(Date.now() + 2 * MAX_EVENT_TIME_AHEAD_MS), missing)).toThrow(
        expect.objectContaining({ code: 'time_in_future' }),
      );
    }
  });

  it('refuses one further ahead, naming /time and when it arrived', () => {
    expect(() => refuseEventFromTheFuture(at(arrivedAt + MAX_EVENT_TIME_AHEAD_MS + 1), arrivedAt)).toThrow(
      expect.objectContaining({
        code: 'time_in_future',
        issues: [
          {
            field: '/time',
            reason: 'must not be more than 24 hours after the event arrived (2026-12-07T10:00:00.000Z)',
          },
        ],
      }),
    );
  });
});
