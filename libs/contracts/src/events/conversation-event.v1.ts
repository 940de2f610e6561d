import { Type, type Static } from '@sinclair/typebox';
import { Id, NamedValues, StringEnum, TaggedUnion, TenantId, Timestamp } from '../schema-helpers';
import { InvalidInputError, MAX_BYTES_KEYWORD, compileValidator, parseJson } from '../validation';

/** The contact a conversation is with, as the platform knows them. */
export const ContactSchema = Type.Object(
  {
    id: Id('Stable id of the contact on the platform.'),
    name: Type.Optional(Type.String({ maxLength: 256 })),
    email: Type.Optional(Type.String({ maxLength: 320 })),
    phone: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
export type Contact = Static<typeof ContactSchema>;

/** The contact details an escalation can ask the contact for. */
export const ContactFieldSchema = StringEnum(['email', 'phone']);
export type ContactField = Static<typeof ContactFieldSchema>;

/** What the platform's AI concluded about a message. */
export const AiAnnotationsSchema = Type.Object(
  {
    intent: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Intent the AI detected.' })),
    confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Confidence in the intent, 0..1.' })),
    requestedWorkflow: Type.Optional(
      Type.String({ minLength: 1, maxLength: 256, description: 'Name or id of a workflow the AI asks to run.' }),
    ),
    answered: Type.Optional(Type.Boolean({ description: 'False when the AI could not answer the contact.' })),
  },
  { additionalProperties: false },
);

/** Set on events that a workflow's own action caused, so that the workflow never re-triggers itself. */
export const CausedBySchema = Type.Object(
  { workflowId: Id('Workflow whose action caused this event.'), executionId: Id('Execution that caused it.') },
  { additionalProperties: false },
);

const envelope = {
  specversion: Type.Literal('1.0'),
  id: Id('Unique per source; re-sending the same id is a no-op.'),
  // In bytes as well: with the tenant and the id it keys ingest's de-duplication index.
  source: Type.String({
    minLength: 1,
    maxLength: 1024,
    [MAX_BYTES_KEYWORD]: 1024,
    description: 'URI-reference of the producer; at most 1024 bytes in UTF-8.',
  }),
  time: Timestamp('When the event happened (RFC 3339).'),
  subject: Id('The conversation id; also the Kafka key.'),
  tenantid: TenantId,
  datacontenttype: Type.Optional(Type.Literal('application/json')),
};

/**
 * Marks a preview conversation (an author trying workflows on a real conversation): draft
 * workflows run on it as well as enabled ones. Once an event of a conversation carries it, the
 * conversation stays a preview one.
 */
const preview = Type.Optional(
  Type.Boolean({ description: 'True on a preview conversation: draft workflows run on it too.' }),
);

/** Who wrote a message. */
export const MessageRoleSchema = StringEnum(['contact', 'ai', 'agent'], { description: 'Who wrote the message.' });

/** A message of a conversation's transcript, as the engine keeps and hands it to workflows. */
export const TranscriptEntrySchema = Type.Object(
  { role: MessageRoleSchema, text: Type.String(), time: Timestamp('Event time.') },
  { additionalProperties: false },
);

/** A message to try the engine on (preview, saved test cases, the offline CLI): no event around it. */
export const SampleMessageFields = {
  text: Type.String({ maxLength: 20_000 }),
  role: Type.Optional(MessageRoleSchema),
  ai: Type.Optional(AiAnnotationsSchema),
};
export const SampleMessageSchema = Type.Object(SampleMessageFields, { additionalProperties: false });

export const MessageCreatedDataSchema = Type.Object(
  {
    messageId: Id('Id of the message on the platform.'),
    role: MessageRoleSchema,
    text: Type.String({ maxLength: 20_000 }),
    contact: Type.Optional(ContactSchema),
    ai: Type.Optional(AiAnnotationsSchema),
    memory: Type.Optional(
      NamedValues(Type.Unknown(), {
        description: 'A snapshot of the contact memory the platform holds, e.g. {"vip": true, "plan": "enterprise"}.',
      }),
    ),
    causedBy: Type.Optional(CausedBySchema),
    preview,
  },
  { additionalProperties: false },
);

export const ConversationEndedDataSchema = Type.Object(
  {
    reason: Type.Optional(Type.String({ maxLength: 256 })),
    contact: Type.Optional(ContactSchema),
    causedBy: Type.Optional(CausedBySchema),
    preview,
  },
  { additionalProperties: false },
);

export const ContactMemoryUpdatedDataSchema = Type.Object(
  {
    contact: ContactSchema,
    attributes: NamedValues(Type.Unknown(), {
      description: 'Contact attributes to set, such as {"vip": true, "plan": "enterprise"}; null clears one.',
    }),
    causedBy: Type.Optional(CausedBySchema),
    preview,
  },
  { additionalProperties: false },
);

/**
 * Forgets what events older than this one taught about a contact (an erasure request, or a reset):
 * the attributes of the contact's memory, and what conversations learnt of them on their own.
 */
export const ContactMemoryClearedDataSchema = Type.Object(
  {
    // The id alone: an erasure request carries no contact details (nor would they be kept).
    contact: Type.Object({ id: Id('Stable id of the contact on the platform.') }, { additionalProperties: false }),
    causedBy: Type.Optional(CausedBySchema),
    preview,
  },
  { additionalProperties: false },
);

export const MessageCreatedEventSchema = Type.Object(
  { ...envelope, type: Type.Literal('conversation.message.created'), data: MessageCreatedDataSchema },
  { additionalProperties: false },
);
export const ConversationEndedEventSchema = Type.Object(
  { ...envelope, type: Type.Literal('conversation.ended'), data: ConversationEndedDataSchema },
  { additionalProperties: false },
);
export const ContactMemoryUpdatedEventSchema = Type.Object(
  { ...envelope, type: Type.Literal('contact.memory.updated'), data: ContactMemoryUpdatedDataSchema },
  { additionalProperties: false },
);
export const ContactMemoryClearedEventSchema = Type.Object(
  { ...envelope, type: Type.Literal('contact.memory.cleared'), data: ContactMemoryClearedDataSchema },
  { additionalProperties: false },
);

/** A CloudEvents 1.0 structured-mode event on `conversation.events`. */
export const ConversationEventSchema = TaggedUnion(
  'type',
  [
    MessageCreatedEventSchema,
    ConversationEndedEventSchema,
    ContactMemoryUpdatedEventSchema,
    ContactMemoryClearedEventSchema,
  ],
  { description: 'A CloudEvents 1.0 structured JSON event about a conversation.' },
);

export type MessageCreatedEvent = Static<typeof MessageCreatedEventSchema>;
export type ConversationEndedEvent = Static<typeof ConversationEndedEventSchema>;
export type ContactMemoryUpdatedEvent = Static<typeof ContactMemoryUpdatedEventSchema>;
export type ContactMemoryClearedEvent = Static<typeof ContactMemoryClearedEventSchema>;
export type ConversationEvent =
  MessageCreatedEvent | ConversationEndedEvent | ContactMemoryUpdatedEvent | ContactMemoryClearedEvent;
export type ConversationEventType = ConversationEvent['type'];

export const conversationEventValidator = compileValidator(ConversationEventSchema);

/** Largest accepted event; the broker's own limit is 1 MB, and a chat event is far smaller. */
export const MAX_EVENT_BYTES = 256 * 1024;

/** Bytes → a valid conversation event, or InvalidInputError naming the field and the reason. */
export function parseConversationEvent(bytes: Buffer): ConversationEvent {
  if (bytes.length > MAX_EVENT_BYTES) {
    throw new InvalidInputError('too_large', `event is ${bytes.length} bytes; the limit is ${MAX_EVENT_BYTES}`);
  }
  return parseJson(bytes, conversationEventValidator) as ConversationEvent;
}
