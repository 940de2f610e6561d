/**
 * An endpoint's rate limit (a workflow action's `maxPerSecond`): a bucket of `ratePerSecond`
 * tokens, refilled continuously at that rate, one taken per delivery. Deliveries may burst up to
 * one second's worth, and keep to `ratePerSecond` over any longer stretch. Times are epoch ms.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    readonly ratePerSecond: number,
    now: number,
  ) {
    if (!(ratePerSecond > 0)) throw new Error(`a rate limit must be positive, not ${ratePerSecond}`);
    this.tokens = this.capacity;
    this.updatedAt = now;
  }

  /** Takes a token if there is one. */
  tryTake(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** How long until a token is there: 0 when there is one now. */
  msUntilToken(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSecond);
  }

  /** Whether it holds all it can: then it is what a new bucket of the same rate would be. */
  isFull(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.capacity;
  }

  private get capacity(): number {
    return Math.max(1, this.ratePerSecond);
  }

  private refill(now: number): void {
    const elapsedMs = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.capacity, this.tokens + (elapsedMs * this.ratePerSecond) / 1000);
    this.updatedAt = now;
  }
}
