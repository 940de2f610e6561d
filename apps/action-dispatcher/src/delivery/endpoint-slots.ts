import { TokenBucket } from '@app/domain';

/** Gives a delivery slot back; calling it again does nothing. */
export type ReleaseSlot = () => void;

type Waiter = (release: ReleaseSlot | null) => void;

/** The longest a token timer waits before the endpoint is looked at again. */
const LONGEST_TOKEN_WAIT_MS = 60_000;

/**
 * At most `limit` deliveries in flight per endpoint, and for an endpoint with a rate limit
 * (`rateOf`) no more starts than its token bucket allows; a slot that waits only for a token is
 * handed over when the next token is due. Slots are shared by two kinds of claimants:
 * - inline attempts (a batch of triggers attempting its deliveries before it commits), which wait
 *   for a slot until their batch's deadline (`take`);
 * - the durable schedule, which keeps its own queue per endpoint, is told when a slot of an endpoint
 *   with queued executions frees up (`onFree`), and then claims slots with `tryTake`.
 * While both wait for the same endpoint, contested slots go to one and the other in turn, so a
 * stream of new triggers cannot starve retries and a backlog of retries cannot push every new
 * delivery into the slower schedule.
 */
export class EndpointSlots {
  private readonly inFlight = new Map<string, number>();
  private readonly waiters = new Map<string, Waiter[]>();
  /** Endpoints whose next contested slot goes to the schedule (absent: to an inline attempt). */
  private readonly scheduleTurn = new Set<string>();
  private readonly buckets = new Map<string, TokenBucket>();
  /** Endpoints out of tokens, with the timer that hands their slots over when the next one is due. */
  private readonly tokenTimers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly limit: number,
    /** The endpoint's deliveries per second at most, if it has a rate limit. */
    private readonly rateOf: (endpoint: string) => number | undefined,
    /** Whether the schedule has executions of the endpoint waiting for a slot. */
    private readonly scheduleWaiting: (endpoint: string) => boolean,
    /** A slot of an endpoint the schedule waits for is free: the schedule claims it with tryTake. */
    private readonly onFree: (endpoint: string) => void,
  ) {}

  /** A slot for the schedule, or null when none is free (or the free one is an inline attempt's turn). */
  tryTake(endpoint: string): ReleaseSlot | null {
    while (this.hasFree(endpoint)) {
      if (!this.hasWaiters(endpoint)) return this.occupy(endpoint);
      if (this.scheduleTurn.delete(endpoint)) return this.occupy(endpoint);
      this.scheduleTurn.add(endpoint);
      this.grantNextWaiter(endpoint);
    }
    return null;
  }

  /** A slot for an inline attempt as soon as one is free, or null once `deadline` (epoch ms) has passed. */
  take(endpoint: string, deadline: number): Promise<ReleaseSlot | null> {
    if (!this.hasWaiters(endpoint) && this.hasFree(endpoint)) return Promise.resolve(this.occupy(endpoint));
    if (Date.now() >= deadline) return Promise.resolve(null);
    return new Promise((resolve) => {
      const waiter: Waiter = (release) => {
        clearTimeout(timer);
        resolve(release);
      };
      const timer = setTimeout(() => {
        this.removeWaiter(endpoint, waiter);
        resolve(null);
      }, deadline - Date.now());
      const waiters = this.waiters.get(endpoint);
      if (waiters) waiters.push(waiter);
      else this.waiters.set(endpoint, [waiter]);
    });
  }

  /** Answers every inline attempt waiting for the endpoint with null (held back, or shutting down). */
  refuseWaiters(endpoint?: string): void {
    const endpoints = endpoint === undefined ? [...this.waiters.keys()] : [endpoint];
    for (const key of endpoints) {
      const waiters = this.waiters.get(key) ?? [];
      this.waiters.delete(key);
      waiters.forEach((waiter) => waiter(null));
    }
    if (endpoint === undefined) {
      this.tokenTimers.forEach((timer) => clearTimeout(timer));
      this.tokenTimers.clear();
    }
  }

  /**
   * Forgets the token buckets of endpoints with nothing in flight or waiting whose bucket is full:
   * a new bucket starts full, so nothing changes, and workflows that stopped delivering (deleted,
   * disabled, rate limit removed) leave nothing behind.
   */
  forgetIdle(now: number): void {
    for (const [endpoint, bucket] of this.buckets) {
      const idle = !this.inFlight.has(endpoint) && !this.hasWaiters(endpoint) && !this.tokenTimers.has(endpoint);
      if (idle && bucket.isFull(now)) this.buckets.delete(endpoint);
    }
  }

  /** Endpoints it holds any state for: in flight, waited for, or with a token bucket. */
  get trackedEndpoints(): number {
    return new Set([...this.inFlight.keys(), ...this.waiters.keys(), ...this.buckets.keys()]).size;
  }

  /** Whether a slot can be taken now; when only a token is missing, its slots are handed over once one is due. */
  private hasFree(endpoint: string): boolean {
    if ((this.inFlight.get(endpoint) ?? 0) >= this.limit) return false;
    const bucket = this.bucketOf(endpoint);
    if (!bucket) return true;
    const waitMs = bucket.msUntilToken(Date.now());
    if (waitMs > 0) this.handOverAfter(endpoint, waitMs);
    return waitMs === 0;
  }

  /** The endpoint's token bucket, anew when its rate changed (a new workflow version). */
  private bucketOf(endpoint: string): TokenBucket | undefined {
    const rate = this.rateOf(endpoint);
    let bucket = this.buckets.get(endpoint);
    if (rate === undefined) {
      this.buckets.delete(endpoint);
      return undefined;
    }
    if (bucket?.ratePerSecond !== rate) {
      bucket = new TokenBucket(rate, Date.now());
      this.buckets.set(endpoint, bucket);
    }
    return bucket;
  }

  private handOverAfter(endpoint: string, waitMs: number): void {
    if (this.tokenTimers.has(endpoint)) return;
    // A slow rate (one a month) makes a wait longer than a timer can hold (2^31 - 1 ms; Node fires
    // such a timer after 1 ms): look again within a minute instead, which sets the next timer.
    const timer = setTimeout(
      () => {
        this.tokenTimers.delete(endpoint);
        this.handOver(endpoint);
      },
      Math.min(waitMs, LONGEST_TOKEN_WAIT_MS),
    );
    timer.unref();
    this.tokenTimers.set(endpoint, timer);
  }

  private hasWaiters(endpoint: string): boolean {
    return (this.waiters.get(endpoint)?.length ?? 0) > 0;
  }

  private occupy(endpoint: string): ReleaseSlot {
    this.buckets.get(endpoint)?.tryTake(Date.now());
    this.inFlight.set(endpoint, (this.inFlight.get(endpoint) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(endpoint) ?? 1) - 1;
      if (left === 0) this.inFlight.delete(endpoint);
      else this.inFlight.set(endpoint, left);
      this.handOver(endpoint);
    };
  }

  /** A freed slot: the schedule claims what is its turn, inline attempts get the rest. */
  private handOver(endpoint: string): void {
    if (this.scheduleWaiting(endpoint)) this.onFree(endpoint);
    while (this.hasFree(endpoint) && this.hasWaiters(endpoint)) this.grantNextWaiter(endpoint);
    if (!this.hasWaiters(endpoint)) this.scheduleTurn.delete(endpoint);
  }

  private grantNextWaiter(endpoint: string): void {
    const waiter = this.waiters.get(endpoint)!.shift()!;
    if (!this.hasWaiters(endpoint)) this.waiters.delete(endpoint);
    waiter(this.occupy(endpoint));
  }

  private removeWaiter(endpoint: string, waiter: Waiter): void {
    const waiters = this.waiters.get(endpoint);
    if (!waiters) return;
    const index = waiters.indexOf(waiter);
    if (index >= 0) waiters.splice(index, 1);
    if (waiters.length === 0) this.waiters.delete(endpoint);
  }
}
