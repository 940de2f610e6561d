import type { ContactAttributeRecord, ContactMemoryRecord } from '@app/contracts';
import type { ContactMemory } from '../conditions/evaluate-condition';
import { applyMemory } from './conversation-state';

/**
 * Characters of JSON a conversation's memory, and a contact's, may hold. Both travel in every
 * trigger (and the first in the conversation's state record): bounded, they keep those records
 * far below what Kafka accepts (1 MB), next to the transcript's own bound.
 */
export const MAX_MEMORY_CHARS = 64 * 1024;

/** One attribute of a contact as learnt across their conversations: the latest event time wins. */
export type ContactAttribute = Pick<ContactAttributeRecord, 'value' | 'at'>;

/** Whether `incoming` replaces `current`: a later event time, or the same one (a replay, or the same instant). */
export function isNewerAttribute(current: ContactAttribute, incoming: ContactAttribute): boolean {
  return Date.parse(incoming.at) >= Date.parse(current.at);
}

/** Whether a record of the contact-memory topic replaces the key's current one: the later event time (the latest clear, for a clear). */
export function isNewerMemoryRecord(current: ContactMemoryRecord, incoming: ContactMemoryRecord): boolean {
  return Date.parse(memoryRecordTime(incoming)) >= Date.parse(memoryRecordTime(current));
}

function memoryRecordTime(record: ContactMemoryRecord): string {
  return 'clearedAt' in record ? record.clearedAt : record.at;
}

/**
 * The memory conditions see in a conversation: what the conversation itself taught (before its
 * contact was known, or without one), overridden by what is known of the contact across all their
 * conversations, where a cleared attribute (null) removes it.
 */
export function effectiveMemory(
  conversationMemory: ContactMemory,
  contactAttributes: Iterable<[string, ContactAttribute]>,
): ContactMemory {
  const memory = { ...conversationMemory };
  for (const [name, { value }] of contactAttributes) {
    if (value === null) delete memory[name];
    else memory[name] = value;
  }
  return memory;
}

/** Whether memory with `changes` applied (null clears an attribute) stays within MAX_MEMORY_CHARS. */
export function memoryFits(memory: ContactMemory, changes: Record<string, unknown>): boolean {
  return JSON.stringify(applyMemory(memory, changes)).length <= MAX_MEMORY_CHARS;
}
