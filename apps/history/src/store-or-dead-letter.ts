import { InvalidInputError } from '@app/contracts';
import { isDataException } from '@app/database';
import { deadLetter, type ConsumedMessage, type OutboundRecord } from '@app/kafka';

/** A value to store, with the record it came from, to dead-letter should PostgreSQL refuse it. */
export interface Storable<T> {
  value: T;
  message: ConsumedMessage;
}

/**
 * Stores a batch's values in one call. When PostgreSQL refuses the data itself (a date beyond its
 * range, say), retrying the batch could never succeed and would stop the partition: the values are
 * then stored one by one, in order, and each one it refuses is dead-lettered with its reason.
 */
export async function storeOrDeadLetter<T>(
  items: readonly Storable<T>[],
  store: (values: T[]) => Promise<void>,
): Promise<OutboundRecord[]> {
  try {
    await store(items.map(({ value }) => value));
    return [];
  } catch (error) {
    if (!isDataException(error)) throw error;
  }
  const deadLetters: OutboundRecord[] = [];
  for (const { value, message } of items) {
    try {
      await store([value]);
    } catch (error) {
      if (!isDataException(error)) throw error;
      const refusal = new InvalidInputError('unstorable', `PostgreSQL refused it: ${error.message}`);
      deadLetters.push(deadLetter(message, refusal, 'history'));
    }
  }
  return deadLetters;
}
