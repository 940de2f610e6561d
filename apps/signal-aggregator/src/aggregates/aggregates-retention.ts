import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { HourlyRetention } from '@app/database';
import { APP_CONFIG, APP_LOGGER } from '@app/platform';
import type { SignalAggregatorConfig } from '../config';
import { WindowCountsRepository } from './window-counts.repository';

/**
 * Forgets the ids of records counted more than COUNTED_RECORD_RETENTION_HOURS ago (a record comes
 * again only while its offset is uncommitted, minutes, so the ids are needed far shorter than the
 * default week), and preview marks older than PREVIEW_CONVERSATION_RETENTION_HOURS.
 */
@Injectable()
export class AggregatesRetention extends HourlyRetention {
  constructor(
    private readonly counts: WindowCountsRepository,
    @Inject(APP_CONFIG) private readonly config: SignalAggregatorConfig,
    @Inject(APP_LOGGER) logger: Logger,
  ) {
    super('signal-aggregator', logger);
  }

  protected async forgetExpired(): Promise<Record<string, number>> {
    return {
      countedRecords: await this.counts.forgetCountedRecordsOlderThan(this.config.COUNTED_RECORD_RETENTION_HOURS),
      previewConversations: await this.counts.forgetPreviewConversationsOlderThan(
        this.config.PREVIEW_CONVERSATION_RETENTION_HOURS,
      ),
    };
  }
}
