import type { Logger } from 'pino';

/**
 * The relay half of a transactional outbox whose outbox is a `published_version` column: `publish`
 * sends the rows whose version is not yet on their topic (locked, so an older version can never
 * overtake a newer one) and returns how many. A request publishes its own change at once through
 * `publishPending`; the interval retries whatever a failed publish left behind.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | null = null;
  private following: Promise<number> | null = null;

  constructor(
    private readonly name: string,
    private readonly publish: () => Promise<number>,
    private readonly logger: Logger,
  ) {}

  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.publishPending().catch((error: unknown) =>
        this.logger.warn({ err: error }, `${this.name} relay failed; will retry`),
      );
    }, intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /**
   * Publishes what is pending; returns how many were published. A caller arriving while a run is
   * in flight gets the run that follows it (that run may have read the pending rows before the
   * caller's change committed, which would then wait for the interval); every caller arriving
   * meanwhile shares that one.
   */
  publishPending(): Promise<number> {
    if (this.running === null) {
      this.running = this.publish().finally(() => (this.running = null));
      return this.running;
    }
    this.following ??= this.running
      .catch(() => 0)
      .then(() => {
        this.following = null;
        return this.publishPending();
      });
    return this.following;
  }
}
