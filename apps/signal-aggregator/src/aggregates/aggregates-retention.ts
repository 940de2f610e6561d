import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, APP_LOGGER } from '@app/platform';
import type { SignalAggregatorConfig } from '../config';
import { WindowCountsRepository } from './window-counts.repository';

const HOUR_MS = 60 * 60 * 1000;

/**
 * Forgets the ids of records counted more than COUNTED_RECORD_RETENTION_HOURS ago, hourly and in
 * short chunks beside the consumer. A record comes again only while its offset is uncommitted
 * (minutes), so the ids are needed far shorter than the default week.
 */
@Injectable()
export class CountedRecordsRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly counts: WindowCountsRepository,
    @Inject(APP_CONFIG) private readonly config: SignalAggregatorConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.counts
        .forgetCountedRecordsOlderThan(this.config.COUNTED_RECORD_RETENTION_HOURS)
        .then((deleted) => this.logger.info({ deleted }, 'forgot old counted record ids'))
        .catch((error: unknown) => this.logger.warn({ err: error }, 'counted record retention failed; will retry'));
    }, HOUR_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
