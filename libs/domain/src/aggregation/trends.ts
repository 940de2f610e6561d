/** A name's count in a period, against the period of the same length just before. */
export interface Trend {
  name: string;
  count: number;
  previousCount: number;
  /** count − previousCount. */
  change: number;
  /** change ÷ previousCount; null when there was nothing before (any growth from zero is unbounded). */
  changeRatio: number | null;
}

/**
 * The `limit` names with the highest count in the current period (ties by name), each with its
 * change against the previous period. Names seen only in the previous period are not ranked:
 * a top-N lists what happens now.
 */
export function topWithChange(
  current: ReadonlyMap<string, number>,
  previous: ReadonlyMap<string, number>,
  limit: number,
): Trend[] {
  return [...current]
    .filter(([, count]) => count > 0)
    .sort(([nameA, countA], [nameB, countB]) => countB - countA || (nameA < nameB ? -1 : nameA > nameB ? 1 : 0))
    .slice(0, limit)
    .map(([name, count]) => {
      const previousCount = previous.get(name) ?? 0;
      return {
        name,
        count,
        previousCount,
        change: count - previousCount,
        changeRatio: previousCount === 0 ? null : (count - previousCount) / previousCount,
      };
    });
}

/**
 * The period of the same length that ends where [from, to) starts, cut at 1970-01-01: nothing is
 * counted before it, and a period reaching further back than year 0 has no RFC 3339 form.
 */
export function previousPeriod(from: Date, to: Date): { from: Date; to: Date } {
  const length = to.getTime() - from.getTime();
  return { from: new Date(Math.max(0, from.getTime() - length)), to: new Date(from.getTime()) };
}
