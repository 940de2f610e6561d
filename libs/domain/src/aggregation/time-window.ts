import type { Granularity } from '@app/contracts';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

const WINDOW_MS: Record<Granularity, number> = { minute: MINUTE_MS, hour: HOUR_MS, day: DAY_MS };

/** The start of the tumbling window an event time falls in (event time, not arrival). */
export function windowStart(eventTime: string | Date, granularity: Granularity): Date {
  const ms = new Date(eventTime).getTime();
  if (Number.isNaN(ms)) throw new RangeError(`not a time: ${String(eventTime)}`);
  return new Date(Math.floor(ms / WINDOW_MS[granularity]) * WINDOW_MS[granularity]);
}

/** The start of the first window of `granularity` that starts at or after `time`. */
function firstWindowFrom(time: Date, granularity: Granularity): number {
  return Math.ceil(time.getTime() / WINDOW_MS[granularity]) * WINDOW_MS[granularity];
}

/** The starts of the windows of `granularity` that start in [from, to): a period is whole windows. */
export function windowStartsBetween(from: Date, to: Date, granularity: Granularity): Date[] {
  const starts: Date[] = [];
  for (let ms = firstWindowFrom(from, granularity); ms < to.getTime(); ms += WINDOW_MS[granularity]) {
    starts.push(new Date(ms));
  }
  return starts;
}

/** How many windows of `granularity` start in [from, to). */
export function windowCount(from: Date, to: Date, granularity: Granularity): number {
  return Math.max(0, Math.ceil((to.getTime() - firstWindowFrom(from, granularity)) / WINDOW_MS[granularity]));
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

/** Windows of one granularity whose starts lie in [from, to). */
export interface RangeTile {
  granularity: Granularity;
  from: Date;
  to: Date;
}

function ceilTo(ms: number, length: number): number {
  return Math.ceil(ms / length) * length;
}

function floorTo(ms: number, length: number): number {
  return Math.floor(ms / length) * length;
}

/**
 * Tiles the minute windows that start in [from, to) with the fewest windows: whole days in the
 * middle, whole hours at the edges, minutes at the edges of those. Totals summed over the tiles
 * equal the minute windows' sum (rollups are sums), and read at most 2×23 hours and 2×59 minutes
 * beside the days, whatever the range.
 */
export function tileRange(from: Date, to: Date): RangeTile[] {
  const start = ceilTo(from.getTime(), MINUTE_MS);
  const end = ceilTo(to.getTime(), MINUTE_MS);
  if (end <= start) return [];
  const tiles: RangeTile[] = [];
  const add = (granularity: Granularity, a: number, b: number) => {
    if (a < b) tiles.push({ granularity, from: new Date(a), to: new Date(b) });
  };
  const tileHours = (a: number, b: number) => {
    const hoursFrom = ceilTo(a, HOUR_MS);
    const hoursTo = floorTo(b, HOUR_MS);
    if (hoursFrom >= hoursTo) return add('minute', a, b);
    add('minute', a, hoursFrom);
    add('hour', hoursFrom, hoursTo);
    add('minute', hoursTo, b);
  };
  const daysFrom = ceilTo(start, DAY_MS);
  const daysTo = floorTo(end, DAY_MS);
  if (daysFrom >= daysTo) {
    tileHours(start, end);
  } else {
    tileHours(start, daysFrom);
    add('day', daysFrom, daysTo);
    tileHours(daysTo, end);
  }
  return tiles;
}
