import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, APP_LOGGER } from '@app/platform';
import type { IngestConfig } from '../config';
import { SeenEventsRepository } from './seen-events.repository';

const HOUR_MS = 60 * 60 * 1000;

/** Forgets event ids past the de-duplication window, hourly, so the table does not grow forever. */
@Injectable()
export class DedupRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly seenEvents: SeenEventsRepository,
    @Inject(APP_CONFIG) private readonly config: IngestConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.seenEvents
        .forgetOlderThan(this.config.DEDUP_RETENTION_HOURS)
        .then((deleted) => this.logger.info({ deleted }, 'forgot expired event ids'))
        .catch((error: unknown) => this.logger.warn({ err: error }, 'dedup retention failed; will retry'));
    }, HOUR_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
