import { Type, type Static } from '@sinclair/typebox';
import { Id, TenantId, Timestamp } from '../schema-helpers';
import { compileValidator } from '../validation';
import { TranscriptEntrySchema } from './conversation-event.v1';

/**
 * `trigger-matcher.conversation-state` (compacted, key = conversation id, co-partitioned with
 * the validated events): trigger-matcher's durable state of one conversation, written in the same
 * Kafka transaction as the triggers it decided, so that state and decisions never disagree.
 */
export const ConversationStateSchema = Type.Object(
  {
    conversationId: Id('The conversation.'),
    tenantId: TenantId,
    /** Offset of the validated event that last changed this state, for newest-wins replays. */
    sourceOffset: Type.String({ pattern: '^[0-9]+$' }),
    transcript: Type.Array(TranscriptEntrySchema, { description: 'The most recent messages, oldest first.' }),
    failedAnswers: Type.Integer({ minimum: 0, description: 'AI messages marked answered: false.' }),
    firings: Type.Array(
      Type.Object({ workflowId: Type.String(), at: Timestamp('When it fired.') }, { additionalProperties: false }),
      { description: 'Recent firings, oldest first.' },
    ),
    memory: Type.Record(Type.String(), Type.Unknown(), { description: 'Contact memory seen in this conversation.' }),
    ended: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type ConversationStateRecord = Static<typeof ConversationStateSchema>;
export const conversationStateValidator = compileValidator(ConversationStateSchema);
