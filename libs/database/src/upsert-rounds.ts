/**
 * Splits rows into rounds that each hold at most one row per key, for multi-row `INSERT … ON
 * CONFLICT DO UPDATE` (PostgreSQL refuses to update one row twice in a statement). A key's rows
 * keep their order across rounds, so running the rounds one after another applies every key's
 * rows in order, as one statement per row would.
 */
export function roundsOfDistinct<T>(rows: readonly T[], keyOf: (row: T) => string): T[][] {
  const rounds: T[][] = [];
  const seen = new Map<string, number>();
  for (const row of rows) {
    const key = keyOf(row);
    const round = seen.get(key) ?? 0;
    seen.set(key, round + 1);
    (rounds[round] ??= []).push(row);
  }
  return rounds;
}
