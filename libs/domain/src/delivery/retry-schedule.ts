/**
 * When to try a failed delivery again. The schedule lists the delay before each attempt after the
 * first (Svix's default: the first attempt at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and
 * 10 h: seven retries, eight attempts, over about 28 hours); each delay gets up to `jitterRatio`
 * of itself added at random, so that deliveries that failed together do not retry together.
 */
export class RetrySchedule {
  constructor(
    readonly delaysMs: readonly number[],
    private readonly jitterRatio = 0.2,
  ) {
    if (delaysMs.some((delay) => !Number.isFinite(delay) || delay < 0)) {
      throw new Error(`retry delays must be non-negative: ${JSON.stringify(delaysMs)}`);
    }
  }

  /** Parses a comma-separated list of durations such as `5s,5m,30m,2h,5h,10h,10h` (bare numbers are ms). */
  static parse(text: string, jitterRatio?: number): RetrySchedule {
    const items = text
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0);
    return new RetrySchedule(items.map(parseDuration), jitterRatio);
  }

  /** The longest wait between two attempts the schedule makes (its longest delay, with the most jitter). */
  get longestDelayMs(): number {
    return Math.round(Math.max(0, ...this.delaysMs) * (1 + this.jitterRatio));
  }

  /** Attempts an execution may make in all: the first and one per delay. */
  get maxAttempts(): number {
    return this.delaysMs.length + 1;
  }

  /**
   * The delay before the next attempt once `attemptsMade` attempts have failed, or null when the
   * schedule is exhausted. A receiver's `Retry-After` lengthens the delay, never shortens it.
   */
  nextDelayMs(attemptsMade: number, retryAfterMs?: number, random: () => number = Math.random): number | null {
    const base = this.delaysMs[attemptsMade - 1];
    if (base === undefined) return null;
    const jittered = Math.round(base + base * this.jitterRatio * random());
    return Math.max(jittered, retryAfterMs ?? 0);
  }
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `250ms`, `5s`, `5m`, `2h`, `1d` or a bare number of milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) throw new Error(`not a duration: ${JSON.stringify(text)} (use e.g. 500ms, 5s, 5m, 2h, 1d)`);
  return Math.round(Number(match[1]) * UNIT_MS[match[2] ?? 'ms']!);
}
