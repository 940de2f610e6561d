import { Type, type Static } from '@sinclair/typebox';
import { Id, StringEnum, TaggedUnion, TenantId, Timestamp } from '../schema-helpers';
import { AiAnnotationsSchema, ContactSchema, TranscriptEntrySchema } from './conversation-event.v1';
import { TriggerMatchSchema } from './workflow-trigger.v1';
import { compileValidator } from '../validation';

const common = {
  actionId: Id('Unique id; the platform should treat a repeated id as already done.'),
  tenantId: TenantId,
  conversationId: Id('Conversation to act on; also the Kafka key.'),
  workflowId: Type.String({ format: 'uuid' }),
  executionId: Id('Execution that produced this action.'),
  createdAt: Timestamp('When the engine asked for it.'),
};

/** Links and quick-reply buttons shown with a reply. */
const RichContent = {
  text: Type.String({ minLength: 1, maxLength: 4000 }),
  links: Type.Optional(
    Type.Array(Type.Object({ label: Type.String(), url: Type.String() }, { additionalProperties: false })),
  ),
  quickReplies: Type.Optional(
    Type.Array(Type.Object({ label: Type.String(), value: Type.String() }, { additionalProperties: false })),
  ),
};

export const ReplyInstructionSchema = Type.Object(
  {
    ...common,
    type: Type.Literal('reply'),
    ...RichContent,
    purpose: StringEnum(['reply', 'response', 'fallback', 'contact_request'], {
      description:
        "reply: a workflow's canned reply; response: built from a webhook's answer; fallback: the action failed; contact_request: asking for contact details before a hand-off.",
    }),
  },
  { additionalProperties: false },
);
export const TagInstructionSchema = Type.Object(
  {
    ...common,
    type: Type.Literal('tag'),
    signals: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 128 }),
          value: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Number(), Type.Boolean()])),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 50 },
    ),
  },
  { additionalProperties: false },
);
export const EscalateInstructionSchema = Type.Object(
  {
    ...common,
    type: Type.Literal('escalate'),
    reason: Type.String({ maxLength: 1000 }),
    transcript: Type.Array(TranscriptEntrySchema, { description: 'The recent messages, oldest first.' }),
    context: Type.Object(
      {
        trigger: TriggerMatchSchema,
        message: Type.Optional(
          Type.Object({ role: Type.String(), text: Type.String() }, { additionalProperties: false }),
        ),
        ai: Type.Optional(AiAnnotationsSchema),
        memory: Type.Optional(
          Type.Record(Type.String(), Type.Unknown(), {
            description: 'What is known of the contact (VIP, plan, previous issues…) when the workflow fired.',
          }),
        ),
      },
      {
        additionalProperties: false,
        description: 'Why it escalated, what the AI concluded, and what is known of the contact.',
      },
    ),
    contact: Type.Optional(ContactSchema),
    missingContactFields: Type.Optional(
      Type.Array(StringEnum(['email', 'phone']), {
        description: 'Contact details the workflow requires that were missing; the contact was asked for them.',
      }),
    ),
  },
  { additionalProperties: false },
);

/** `conversation.actions` (key = conversation id): what the platform must do in the conversation. */
export const ConversationActionSchema = TaggedUnion('type', [
  ReplyInstructionSchema,
  TagInstructionSchema,
  EscalateInstructionSchema,
]);
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
    preview: Type.Optional(
      Type.Boolean({ description: 'Applied in a preview conversation (an author trying workflows): not counted.' }),
    ),
  },
  { additionalProperties: false },
);
export type SignalApplied = Static<typeof SignalAppliedSchema>;
export const signalAppliedValidator = compileValidator(SignalAppliedSchema);
