import { Injectable } from '@nestjs/common';
import { InvalidInputError, Topics, parseConversationEvent, type ConversationEvent } from '@app/contracts';
import { deadLetterRecord, type ConsumedBatch, type ConsumedMessage, type OutboundRecord } from '@app/kafka';
import { eventsDeduplicated } from '@app/metrics';
import { SeenEventsRepository } from '../dedup/seen-events.repository';
import { refuseEventFromTheFuture } from './event-time';

export const INGEST_SERVICE = 'ingest';

/**
 * conversation.events → conversation.events.validated: validate against the contract, drop
 * re-sent ids, forward the rest keyed by conversation. Poison records go to the DLQ, untouched.
 */
@Injectable()
export class IngestService {
  constructor(private readonly seenEvents: SeenEventsRepository) {}

  async ingest(batch: ConsumedBatch): Promise<OutboundRecord[]> {
    const out: OutboundRecord[] = [];
    const valid: { event: ConversationEvent; message: ConsumedMessage; value: Buffer }[] = [];
    for (const message of batch.messages) {
      try {
        const { value } = message;
        if (value === null) throw new InvalidInputError('null_value', 'record has no value');
        const event = parseConversationEvent(value);
        refuseEventFromTheFuture(event, message.timestamp);
        valid.push({ event, message, value });
      } catch (error) {
        if (!(error instanceof InvalidInputError)) throw error;
        out.push(deadLetterRecord(message, error, INGEST_SERVICE));
      }
    }
    const first = await this.seenEvents.firstOccurrences(
      valid.map(({ event, message }) => ({
        tenantId: event.tenantid,
        source: event.source,
        eventId: event.id,
        partition: message.partition,
        offset: message.offset,
      })),
    );
    let duplicates = 0;
    valid.forEach(({ event, value }, index) => {
      if (!first[index]) {
        duplicates += 1;
        return;
      }
      // Validation does not change the event, so it travels as it came instead of serialised again.
      out.push({
        topic: Topics.validatedEvents.name,
        key: event.subject,
        value,
        headers: { 'ingested-at': new Date().toISOString() },
      });
    });
    // Once the batch committed: a batch processed again (its commit failed) meets its duplicates again.
    if (duplicates > 0) batch.afterCommit(() => eventsDeduplicated.inc(duplicates));
    return out;
  }
}
