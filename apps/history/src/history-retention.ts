import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { HourlyRetention } from '@app/database';
import { APP_CONFIG, APP_LOGGER } from '@app/platform';
import type { HistoryConfig } from './config';
import { ConversationEventsRepository } from './conversations/conversation-events.repository';
import { ExecutionsRepository } from './executions/executions.repository';

/**
 * Forgets conversation events past CONVERSATION_RETENTION_DAYS and executions past
 * EXECUTION_RETENTION_DAYS.
 */
@Injectable()
export class HistoryRetention extends HourlyRetention {
  constructor(
    private readonly events: ConversationEventsRepository,
    private readonly executions: ExecutionsRepository,
    @Inject(APP_CONFIG) private readonly config: HistoryConfig,
    @Inject(APP_LOGGER) logger: Logger,
  ) {
    super('history', logger);
  }

  protected async forgetExpired(): Promise<Record<string, number>> {
    return {
      conversationEvents: await this.events.forgetOlderThan(this.config.CONVERSATION_RETENTION_DAYS),
      executions: await this.executions.forgetOlderThan(this.config.EXECUTION_RETENTION_DAYS),
    };
  }
}
