import { isBeyondGrace, tileRange, windowCount, windowStart, windowStartsBetween } from './time-window';

const at = (iso: string) => new Date(iso);
const MINUTES = { minute: 1, hour: 60, day: 24 * 60 } as const;

describe('tumbling windows', () => {
  it('puts an event time into its minute, hour and day (UTC)', () => {
    expect(windowStart('2026-11-24T10:15:59.999Z', 'minute')).toEqual(at('2026-11-24T10:15:00Z'));
    expect(windowStart('2026-11-24T10:15:59.999Z', 'hour')).toEqual(at('2026-11-24T10:00:00Z'));
    expect(windowStart('2026-11-24T10:15:59.999Z', 'day')).toEqual(at('2026-11-24T00:00:00Z'));
    expect(() => windowStart('yesterday', 'minute')).toThrow(RangeError);
  });

  it('lists and counts the windows that start in a range', () => {
    const starts = windowStartsBetween(at('2026-11-24T10:30:00Z'), at('2026-11-24T12:10:00Z'), 'hour');
    expect(starts).toEqual([at('2026-11-24T11:00:00Z'), at('2026-11-24T12:00:00Z')]);
    expect(windowCount(at('2026-11-24T10:30:00Z'), at('2026-11-24T12:10:00Z'), 'hour')).toBe(2);
    expect(windowCount(at('2026-11-24T10:00:00Z'), at('2026-11-24T12:00:00Z'), 'hour')).toBe(2);
    expect(windowCount(at('2026-11-01T00:00:00Z'), at('2026-12-01T00:00:00Z'), 'minute')).toBe(30 * 24 * 60);
    expect(windowCount(at('2026-11-24T12:00:00Z'), at('2026-11-24T12:00:00Z'), 'minute')).toBe(0);
  });

  it('tiles a range with whole days, then hours, then minutes at the edges', () => {
    const tiles = tileRange(at('2026-11-01T22:30:10Z'), at('2026-11-04T01:02:00Z')).map((tile) => [
      tile.granularity,
      tile.from.toISOString().slice(0, 16),
      tile.to.toISOString().slice(0, 16),
    ]);
    expect(tiles).toEqual([
      ['minute', '2026-11-01T22:31', '2026-11-01T23:00'],
      ['hour', '2026-11-01T23:00', '2026-11-02T00:00'],
      ['day', '2026-11-02T00:00', '2026-11-04T00:00'],
      ['hour', '2026-11-04T00:00', '2026-11-04T01:00'],
      ['minute', '2026-11-04T01:00', '2026-11-04T01:02'],
    ]);
    expect(tileRange(at('2026-11-01T00:00:00Z'), at('2026-12-01T00:00:00Z'))).toEqual([
      { granularity: 'day', from: at('2026-11-01T00:00:00Z'), to: at('2026-12-01T00:00:00Z') },
    ]);
    expect(tileRange(at('2026-11-01T10:05:00Z'), at('2026-11-01T10:07:30Z'))).toEqual([
      { granularity: 'minute', from: at('2026-11-01T10:05:00Z'), to: at('2026-11-01T10:08:00Z') },
    ]);
    expect(tileRange(at('2026-11-01T10:05:00Z'), at('2026-11-01T10:05:00Z'))).toEqual([]);
  });

  it('covers exactly the minutes of the range, each once', () => {
    const from = at('2026-11-01T21:17:00Z');
    const to = at('2026-11-05T02:43:00Z');
    const minutes = tileRange(from, to).reduce(
      (sum, tile) => sum + windowCount(tile.from, tile.to, tile.granularity) * MINUTES[tile.granularity],
      0,
    );
    expect(minutes).toBe((to.getTime() - from.getTime()) / 60_000);
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
