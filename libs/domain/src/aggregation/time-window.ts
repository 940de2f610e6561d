const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** The tumbling windows aggregates are kept in (UTC): minutes, rolled up to hours and days. */
export const GRANULARITIES = ['minute', 'hour', 'day'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

const WINDOW_MS: Record<Granularity, number> = { minute: MINUTE_MS, hour: HOUR_MS, day: DAY_MS };

export function windowLengthMs(granularity: Granularity): number {
  return WINDOW_MS[granularity];
}

/** The start of the tumbling window an event time falls in (event time, not arrival). */
export function windowStart(eventTime: string | Date, granularity: Granularity): Date {
  const ms = new Date(eventTime).getTime();
  if (Number.isNaN(ms)) throw new RangeError(`not a time: ${String(eventTime)}`);
  return new Date(Math.floor(ms / WINDOW_MS[granularity]) * WINDOW_MS[granularity]);
}

export function minuteWindowStart(eventTime: string | Date): Date {
  return windowStart(eventTime, 'minute');
}

/** Every window start of `granularity` in [from, to), from the window `from` falls in. */
export function windowStartsBetween(from: Date, to: Date, granularity: Granularity): Date[] {
  const starts: Date[] = [];
  for (let ms = windowStart(from, granularity).getTime(); ms < to.getTime(); ms += WINDOW_MS[granularity]) {
    starts.push(new Date(ms));
  }
  return starts;
}

/** How many windows of `granularity` [from, to) spans (partial windows at the edges included). */
export function windowCount(from: Date, to: Date, granularity: Granularity): number {
  if (to.getTime() <= from.getTime()) return 0;
  const first = windowStart(from, granularity).getTime();
  return Math.ceil((to.getTime() - first) / WINDOW_MS[granularity]);
}

/**
 * The coarsest granularity whose windows tile [from, to) exactly (both ends on a window
 * boundary): totals over the range read the fewest rows from it and are still exact.
 */
export function coarsestExactGranularity(from: Date, to: Date): Granularity {
  for (const granularity of ['day', 'hour'] as const) {
    const length = WINDOW_MS[granularity];
    if (from.getTime() % length === 0 && to.getTime() % length === 0) return granularity;
  }
  return 'minute';
}

/**
 * Whether a record arrived too late for its window: windows accept records until `graceMs` after
 * they end. Arrival is the record's Kafka timestamp, not the clock of the consumer, so that a
 * record redelivered after a crash (or read from a backlog) gets the same decision as the first time.
 */
export function isBeyondGrace(eventTime: Date, arrivedAt: Date, graceMs: number): boolean {
  const windowEnd = windowStart(eventTime, 'minute').getTime() + MINUTE_MS;
  return arrivedAt.getTime() > windowEnd + graceMs;
}
