import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { Topics, conversationEventValidator, type ConversationEvent } from '@app/contracts';
import { isDataException } from '@app/database';
import { processEach, writeOrDeadLetter, type ConsumedBatch, type OutboundRecord, type Writable } from '@app/kafka';
import { ConversationEventsRepository } from './conversation-events.repository';

/**
 * Keeps every validated conversation event, so that draft workflows can be backtested on them: a
 * batch's valid events in one transaction; one that PostgreSQL refuses for its data goes to the
 * DLQ (writeOrDeadLetter).
 */
@Controller()
export class ValidatedEventConsumer {
  constructor(private readonly events: ConversationEventsRepository) {}

  @EventPattern(Topics.validatedEvents.name)
  async handle(batch: ConsumedBatch): Promise<OutboundRecord[]> {
    const events: Writable<ConversationEvent>[] = [];
    const deadLetters = await processEach(batch, conversationEventValidator, 'history', (event, message) => {
      events.push({ value: event as ConversationEvent, message });
    });
    const refused = await writeOrDeadLetter(events, (values) => this.events.storeAll(values), {
      service: 'history',
      isRefusal: isDataException,
    });
    return [...deadLetters, ...refused];
  }
}
