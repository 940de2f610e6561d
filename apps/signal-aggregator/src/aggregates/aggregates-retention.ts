import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, APP_LOGGER } from '@app/platform';
import type { SignalAggregatorConfig } from '../config';
import { WindowCountsRepository } from './window-counts.repository';

const HOUR_MS = 60 * 60 * 1000;

/**
 * Hourly, in short chunks beside the consumer: forgets the ids of records counted more than
 * COUNTED_RECORD_RETENTION_HOURS ago (a record comes again only while its offset is uncommitted,
 * minutes, so the ids are needed far shorter than the default week), and preview marks older than
 * PREVIEW_CONVERSATION_RETENTION_HOURS.
 */
@Injectable()
export class AggregatesRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly counts: WindowCountsRepository,
    @Inject(APP_CONFIG) private readonly config: SignalAggregatorConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.forgetOld(), HOUR_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async forgetOld(): Promise<void> {
    try {
      const counted = await this.counts.forgetCountedRecordsOlderThan(this.config.COUNTED_RECORD_RETENTION_HOURS);
      const previews = await this.counts.forgetPreviewConversationsOlderThan(
        this.config.PREVIEW_CONVERSATION_RETENTION_HOURS,
      );
      this.logger.info(
        { deleted: counted, previewMarksDeleted: previews },
        'forgot old counted record ids and preview marks',
      );
    } catch (error) {
      this.logger.warn({ err: error }, 'aggregates retention failed; will retry');
    }
  }
}
