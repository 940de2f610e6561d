import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { HourlyRetention } from '@app/database';
import { APP_CONFIG, APP_LOGGER } from '@app/platform';
import type { IngestConfig } from '../config';
import { SeenEventsRepository } from './seen-events.repository';

/** Forgets event ids past the de-duplication window (DEDUP_RETENTION_HOURS). */
@Injectable()
export class DedupRetention extends HourlyRetention {
  constructor(
    private readonly seenEvents: SeenEventsRepository,
    @Inject(APP_CONFIG) private readonly config: IngestConfig,
    @Inject(APP_LOGGER) logger: Logger,
  ) {
    super('ingest', logger);
  }

  protected async forgetExpired(): Promise<Record<string, number>> {
    return { seenEvents: await this.seenEvents.forgetOlderThan(this.config.DEDUP_RETENTION_HOURS) };
  }
}
