import { InvalidInputError, parseJson, type Validator } from '@app/contracts';
import { deadLettered, eventsRejected } from '@app/metrics';
import { deadLetterRecord } from './dead-letter';
import type { ConsumedBatch, ConsumedMessage, OutboundRecord } from './records';

/**
 * The usual shape of a handler: parse each message with its topic's contract, hand the valid ones
 * to `handle` in order, and turn the ones that can never be valid into dead letters. Any other
 * error propagates, so that the batch is retried and nothing is committed past it.
 */
export async function processEach<T>(
  batch: ConsumedBatch,
  validator: Validator<T>,
  service: string,
  handle: (value: T, message: ConsumedMessage) => Promise<OutboundRecord[] | void> | OutboundRecord[] | void,
): Promise<OutboundRecord[]> {
  const out: OutboundRecord[] = [];
  for (const message of batch.messages) {
    try {
      if (message.value === null) throw new InvalidInputError('null_value', 'record has no value');
      const records = await handle(parseJson(message.value, validator), message);
      if (records) out.push(...records);
      await batch.heartbeat();
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      out.push(deadLetter(message, error, service));
    }
  }
  return out;
}

/** Builds a dead letter and counts it. */
export function deadLetter(message: ConsumedMessage, error: InvalidInputError, service: string): OutboundRecord {
  const record = deadLetterRecord(message, error, service);
  eventsRejected.inc({ reason: error.code });
  deadLettered.inc({ topic: record.topic });
  return record;
}
