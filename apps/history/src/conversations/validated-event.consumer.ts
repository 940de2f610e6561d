import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { Topics, conversationEventValidator, type ConversationEvent } from '@app/contracts';
import { processEach, type ConsumedBatch, type OutboundRecord } from '@app/kafka';
import { storeOrDeadLetter, type Storable } from '../store-or-dead-letter';
import { ConversationEventsRepository } from './conversation-events.repository';

/**
 * Keeps every validated conversation event, so that draft workflows can be backtested on them: a
 * batch's valid events in one transaction (see storeOrDeadLetter for those PostgreSQL refuses).
 */
@Controller()
export class ValidatedEventConsumer {
  constructor(private readonly events: ConversationEventsRepository) {}

  @EventPattern(Topics.validatedEvents.name)
  async handle(batch: ConsumedBatch): Promise<OutboundRecord[]> {
    const events: Storable<ConversationEvent>[] = [];
    const deadLetters = await processEach(batch, conversationEventValidator, 'history', (event, message) => {
      events.push({ value: event as ConversationEvent, message });
    });
    return [...deadLetters, ...(await storeOrDeadLetter(events, (values) => this.events.storeAll(values)))];
  }
}
