import type { ConversationEvent, SampleMessageSchema } from '@app/contracts';
import type { Static } from '@sinclair/typebox';

/** A conversation to try workflows on (preview, saved test cases): messages without events around them. */
export interface SampleConversation {
  messages: readonly Static<typeof SampleMessageSchema>[];
  /** The conversation ends after the last message, so conversation_end workflows are judged. */
  ended?: boolean;
  /** A preview conversation: draft workflows run on it too. */
  preview?: boolean;
}

/** Where sample conversations start on the clock; only the gaps between their events matter. */
const SAMPLE_START = Date.parse('2000-01-01T00:00:00Z');
/** Sample events are this far apart: cooldowns and the per-minute limit count the gaps. */
const SAMPLE_EVENT_INTERVAL_MS = 1_000;

/**
 * The engine's events for a sample conversation: a `conversation.message.created` per message
 * (role `contact` unless given) and, when it ended, a `conversation.ended`, at synthetic times
 * one second apart. Tenant and conversation ids are placeholders: judging does not depend on them.
 */
export function sampleConversationEvents(conversation: SampleConversation): ConversationEvent[] {
  const envelope = (index: number) => ({
    specversion: '1.0' as const,
    id: `sample-${index}`,
    source: 'sample',
    time: new Date(SAMPLE_START + index * SAMPLE_EVENT_INTERVAL_MS).toISOString(),
    subject: 'sample',
    tenantid: 'sample',
  });
  const preview = conversation.preview ? { preview: true } : {};
  const events: ConversationEvent[] = conversation.messages.map(({ text, role, ai }, index) => ({
    ...envelope(index),
    type: 'conversation.message.created',
    data: { messageId: `m-${index}`, role: role ?? 'contact', text, ...(ai ? { ai } : {}), ...preview },
  }));
  if (conversation.ended) {
    events.push({ ...envelope(events.length), type: 'conversation.ended', data: preview });
  }
  return events;
}
