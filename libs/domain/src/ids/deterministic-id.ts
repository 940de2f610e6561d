import { createHash } from 'node:crypto';

/**
 * A UUID-shaped id derived from its parts: the same parts always give the same id, so a replayed
 * event produces the same trigger and execution ids, and downstream writes stay idempotent.
 */
export function deterministicId(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  const variant = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function triggerIdOf(tenantId: string, eventSource: string, eventId: string, workflowId: string): string {
  return deterministicId('trigger', tenantId, eventSource, eventId, workflowId);
}

/** Also the `webhook-id` of the delivery: the receiver's idempotency key. */
export function executionIdOf(triggerId: string): string {
  return deterministicId('execution', triggerId);
}

/**
 * The contact id of a conversation whose contact no event named: `conversation:<id>`, or, for a
 * conversation id too long to take the prefix within an id's 256 characters, one derived from it.
 */
export function standInContactId(conversationId: string): string {
  const prefixed = `conversation:${conversationId}`;
  return prefixed.length <= 256 ? prefixed : `conversation:${deterministicId('contact', conversationId)}`;
}
