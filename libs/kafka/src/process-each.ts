import { InvalidInputError, parseJson, type Validator } from '@app/contracts';
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
      out.push(deadLetterRecord(message, error, service));
    }
  }
  return out;
}

/** A value to write, with the record it came from, to dead-letter should the store refuse it. */
export interface Writable<T> {
  value: T;
  message: ConsumedMessage;
}

/**
 * Writes a batch's values to a store in one call. When the store refuses the data itself
 * (`isRefusal`: no retry could ever succeed, and retrying would stop the partition), they are
 * written one by one instead, in order, and each refused one is dead-lettered (`unstorable`) with
 * the store's reason. Any other error propagates, so that the batch is retried.
 */
export async function writeOrDeadLetter<T>(
  items: readonly Writable<T>[],
  write: (values: T[]) => Promise<void>,
  { service, isRefusal }: { service: string; isRefusal: (error: unknown) => boolean },
): Promise<OutboundRecord[]> {
  try {
    await write(items.map(({ value }) => value));
    return [];
  } catch (error) {
    if (!isRefusal(error)) throw error;
  }
  const deadLetters: OutboundRecord[] = [];
  for (const { value, message } of items) {
    try {
      await write([value]);
    } catch (error) {
      if (!isRefusal(error)) throw error;
      const refusal = new InvalidInputError('unstorable', `the store refused it: ${(error as Error).message}`);
      deadLetters.push(deadLetterRecord(message, refusal, service));
    }
  }
  return deadLetters;
}
