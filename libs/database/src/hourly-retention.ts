import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';

const HOUR_MS = 60 * 60 * 1000;
/**
 * The first pass, a minute after start (once the service has settled): a service restarted more
 * often than hourly (deployments) would otherwise never forget anything.
 */
const FIRST_PASS_AFTER_MS = 60 * 1000;

/**
 * Forgets a service's expired rows a minute after start and hourly after that, beside its consumers (never in their path), so that
 * its tables do not grow for ever; a pass that fails is logged, and the next one retries.
 * Subclasses say what to forget: `forgetExpired` deletes (in short chunks, see deleteInChunks)
 * and answers how many rows of each kind went, for the log.
 */
export abstract class HourlyRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private firstPass: NodeJS.Timeout | undefined;

  protected constructor(
    /** Names the job in its log lines. */
    private readonly name: string,
    protected readonly logger: Logger,
  ) {}

  protected abstract forgetExpired(): Promise<Record<string, number>>;

  onApplicationBootstrap(): void {
    this.firstPass = setTimeout(() => void this.pass(), FIRST_PASS_AFTER_MS).unref();
    this.timer = setInterval(() => void this.pass(), HOUR_MS).unref();
  }

  onApplicationShutdown(): void {
    clearTimeout(this.firstPass);
    clearInterval(this.timer);
  }

  private async pass(): Promise<void> {
    try {
      const deleted = await this.forgetExpired();
      this.logger.info({ retention: this.name, deleted }, 'forgot expired rows');
    } catch (error) {
      this.logger.warn({ err: error, retention: this.name }, 'retention failed; the next pass retries');
    }
  }
}
