import { Type, type Static } from '@sinclair/typebox';
import { Id, TaggedUnion, TenantId, Timestamp } from '../schema-helpers';
import { compileValidator } from '../validation';

const common = {
  actionId: Id('Unique id; the platform should treat a repeated id as already done.'),
  tenantId: TenantId,
  conversationId: Id('Conversation to act on; also the Kafka key.'),
  workflowId: Type.String({ format: 'uuid' }),
  executionId: Id('Execution that produced this action.'),
  createdAt: Timestamp('When the engine asked for it.'),
};

export const ReplyActionSchema = Type.Object(
  { ...common, type: Type.Literal('reply'), text: Type.String({ minLength: 1, maxLength: 4000 }) },
  { additionalProperties: false },
);
export const TagActionSchema = Type.Object(
  {
    ...common,
    type: Type.Literal('tag'),
    tags: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { minItems: 1, maxItems: 50 }),
  },
  { additionalProperties: false },
);
export const EscalateActionSchema = Type.Object(
  { ...common, type: Type.Literal('escalate'), reason: Type.String({ maxLength: 1000 }) },
  { additionalProperties: false },
);

/** `conversation.actions` (key = conversation id): what the platform must do in the conversation. */
export const ConversationActionSchema = TaggedUnion('type', [ReplyActionSchema, TagActionSchema, EscalateActionSchema]);
export type ConversationAction = Static<typeof ConversationActionSchema>;
export const conversationActionValidator = compileValidator(ConversationActionSchema);

/** `conversation.signals` (key = conversation id): a signal applied to a conversation, for analytics. */
export const SignalAppliedSchema = Type.Object(
  {
    signalId: Id('Unique id of this application of the signal.'),
    tenantId: TenantId,
    conversationId: Id('Conversation the signal applies to.'),
    name: Type.String({ minLength: 1, maxLength: 128 }),
    value: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Number(), Type.Boolean()])),
    workflowId: Type.Optional(Type.String({ format: 'uuid' })),
    time: Timestamp('Event time of the signal.'),
  },
  { additionalProperties: false },
);
export type SignalApplied = Static<typeof SignalAppliedSchema>;
export const signalAppliedValidator = compileValidator(SignalAppliedSchema);
