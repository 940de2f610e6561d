import { randomUUID } from 'node:crypto';
import type { ConversationEvent, MessageCreatedEvent } from '@app/contracts';

/** A valid `conversation.message.created` CloudEvent from a contact; override what the test cares about. */
export function messageCreatedEvent(
  tenantId: string,
  conversationId: string,
  text: string,
  overrides: Partial<MessageCreatedEvent> = {},
): MessageCreatedEvent {
  return {
    specversion: '1.0',
    id: randomUUID(),
    source: '/platforms/test',
    type: 'conversation.message.created',
    time: new Date().toISOString(),
    subject: conversationId,
    tenantid: tenantId,
    datacontenttype: 'application/json',
    data: {
      messageId: randomUUID(),
      role: 'contact',
      text,
      contact: { id: `contact-${conversationId}`, name: 'Ada Lovelace', email: 'ada@example.com' },
    },
    ...overrides,
  };
}

/** A valid `conversation.ended` CloudEvent; override what the test cares about. */
export function conversationEndedEvent(
  tenantId: string,
  conversationId: string,
  data: Extract<ConversationEvent, { type: 'conversation.ended' }>['data'] = {},
  overrides: Partial<Pick<ConversationEvent, 'time' | 'source'>> = {},
): ConversationEvent {
  return {
    specversion: '1.0',
    id: randomUUID(),
    source: '/platforms/test',
    type: 'conversation.ended',
    time: new Date().toISOString(),
    subject: conversationId,
    tenantid: tenantId,
    data,
    ...overrides,
  };
}
