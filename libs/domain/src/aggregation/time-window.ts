const MINUTE_MS = 60_000;

/** The start of the one-minute tumbling window an event time falls in (event time, not arrival). */
export function minuteWindowStart(eventTime: string | Date): Date {
  const ms = new Date(eventTime).getTime();
  if (Number.isNaN(ms)) throw new RangeError(`not a time: ${String(eventTime)}`);
  return new Date(Math.floor(ms / MINUTE_MS) * MINUTE_MS);
}
