import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, APP_LOGGER } from '@app/platform';
import type { HistoryConfig } from '../config';
import { ConversationEventsRepository } from './conversation-events.repository';

const HOUR_MS = 60 * 60 * 1000;

/**
 * Forgets conversation events past CONVERSATION_RETENTION_DAYS, hourly, beside the consumer
 * (never in its path) and in short chunks, so that storing new events does not wait for it.
 */
@Injectable()
export class ConversationRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly events: ConversationEventsRepository,
    @Inject(APP_CONFIG) private readonly config: HistoryConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.events
        .forgetOlderThan(this.config.CONVERSATION_RETENTION_DAYS)
        .then((deleted) => this.logger.info({ deleted }, 'forgot expired conversation events'))
        .catch((error: unknown) => this.logger.warn({ err: error }, 'conversation retention failed; will retry'));
    }, HOUR_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
