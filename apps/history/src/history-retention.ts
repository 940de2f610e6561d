import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, APP_LOGGER } from '@app/platform';
import type { HistoryConfig } from './config';
import { ConversationEventsRepository } from './conversations/conversation-events.repository';
import { ExecutionsRepository } from './executions/executions.repository';

const HOUR_MS = 60 * 60 * 1000;

/**
 * Forgets conversation events past CONVERSATION_RETENTION_DAYS and executions past
 * EXECUTION_RETENTION_DAYS, hourly, beside the consumers (never in their path) and in short
 * chunks, so that storing new rows does not wait for it.
 */
@Injectable()
export class HistoryRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly events: ConversationEventsRepository,
    private readonly executions: ExecutionsRepository,
    @Inject(APP_CONFIG) private readonly config: HistoryConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.forgetExpired(), HOUR_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** One pass; a failure is logged and the next pass retries. */
  async forgetExpired(): Promise<void> {
    try {
      const events = await this.events.forgetOlderThan(this.config.CONVERSATION_RETENTION_DAYS);
      const executions = await this.executions.forgetOlderThan(this.config.EXECUTION_RETENTION_DAYS);
      this.logger.info({ events, executions }, 'forgot expired conversation events and executions');
    } catch (error) {
      this.logger.warn({ err: error }, 'history retention failed; will retry');
    }
  }
}
