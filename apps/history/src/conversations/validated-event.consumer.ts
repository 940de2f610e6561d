import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { Topics, conversationEventValidator, type ConversationEvent } from '@app/contracts';
import { processEach, type ConsumedBatch, type OutboundRecord } from '@app/kafka';
import { ConversationEventsRepository } from './conversation-events.repository';

/** Keeps every validated conversation event, so that draft workflows can be backtested on them. */
@Controller()
export class ValidatedEventConsumer {
  constructor(private readonly events: ConversationEventsRepository) {}

  @EventPattern(Topics.validatedEvents.name)
  handle(batch: ConsumedBatch): Promise<OutboundRecord[]> {
    return processEach(batch, conversationEventValidator, 'history', (event) =>
      this.events.store(event as ConversationEvent),
    );
  }
}
