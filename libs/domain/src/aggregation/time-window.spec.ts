import { coarsestExactGranularity, isBeyondGrace, windowCount, windowStart, windowStartsBetween } from './time-window';

const at = (iso: string) => new Date(iso);

describe('tumbling windows', () => {
  it('puts an event time into its minute, hour and day (UTC)', () => {
    expect(windowStart('2026-11-24T10:15:59.999Z', 'minute')).toEqual(at('2026-11-24T10:15:00Z'));
    expect(windowStart('2026-11-24T10:15:59.999Z', 'hour')).toEqual(at('2026-11-24T10:00:00Z'));
    expect(windowStart('2026-11-24T10:15:59.999Z', 'day')).toEqual(at('2026-11-24T00:00:00Z'));
    expect(() => windowStart('yesterday', 'minute')).toThrow(RangeError);
  });

  it('lists and counts the windows a range spans, partial edges included', () => {
    const starts = windowStartsBetween(at('2026-11-24T10:30:00Z'), at('2026-11-24T12:10:00Z'), 'hour');
    expect(starts).toEqual([at('2026-11-24T10:00:00Z'), at('2026-11-24T11:00:00Z'), at('2026-11-24T12:00:00Z')]);
    expect(windowCount(at('2026-11-24T10:30:00Z'), at('2026-11-24T12:10:00Z'), 'hour')).toBe(3);
    expect(windowCount(at('2026-11-01T00:00:00Z'), at('2026-12-01T00:00:00Z'), 'minute')).toBe(30 * 24 * 60);
    expect(windowCount(at('2026-11-24T12:00:00Z'), at('2026-11-24T12:00:00Z'), 'minute')).toBe(0);
  });

  it('chooses the coarsest granularity that tiles a range exactly', () => {
    expect(coarsestExactGranularity(at('2026-11-01T00:00:00Z'), at('2026-11-24T00:00:00Z'))).toBe('day');
    expect(coarsestExactGranularity(at('2026-11-01T00:00:00Z'), at('2026-11-24T10:00:00Z'))).toBe('hour');
    expect(coarsestExactGranularity(at('2026-11-01T00:00:00Z'), at('2026-11-24T10:01:00Z'))).toBe('minute');
  });

  it('accepts a record until the grace period after its minute ends, by its arrival time', () => {
    const grace = 5 * 60_000;
    const eventTime = at('2026-11-24T10:15:30Z');
    expect(isBeyondGrace(eventTime, at('2026-11-24T10:15:40Z'), grace)).toBe(false);
    expect(isBeyondGrace(eventTime, at('2026-11-24T10:21:00Z'), grace)).toBe(false);
    expect(isBeyondGrace(eventTime, at('2026-11-24T10:21:00.001Z'), grace)).toBe(true);
    // Arrival before the event time (clock skew) is never late.
    expect(isBeyondGrace(eventTime, at('2026-11-24T10:00:00Z'), 0)).toBe(false);
  });
});
