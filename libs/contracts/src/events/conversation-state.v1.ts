import { Type, type Static } from '@sinclair/typebox';
import { Id, StringEnum, TenantId, Timestamp } from '../schema-helpers';
import { compileValidator } from '../validation';
import { AiAnnotationsSchema, ContactFieldSchema, ContactSchema, TranscriptEntrySchema } from './conversation-event.v1';
import { TriggerMatchSchema, TriggerMessageSchema } from './workflow-trigger.v1';

/**
 * `trigger-matcher.conversation-state` (compacted, key = conversation id, co-partitioned with
 * the validated events): trigger-matcher's durable state of one conversation, written in the same
 * Kafka transaction as the triggers it decided, so that state and decisions never disagree. A
 * null value (tombstone) forgets an ended or idle conversation.
 */
export const ConversationStateSchema = Type.Object(
  {
    conversationId: Id('The conversation.'),
    tenantId: TenantId,
    /** Increases by one with every write, for newest-wins reads of the topic. */
    revision: Type.Integer({ minimum: 1 }),
    contactId: Type.Optional(Id('The contact, once an event named them; their memory is shared by conversations.')),
    contactDetails: Type.Optional(
      Type.Omit(ContactSchema, ['id'], {
        description:
          "The contact's name, email and phone as events gave them and as the contact answered an escalation's " +
          'question, the newest of each; forgotten when an event names another contact.',
      }),
    ),
    preview: Type.Optional(Type.Boolean({ description: 'A preview conversation: draft workflows run on it.' })),
    lastEventAt: Timestamp(
      'The later of the last event’s time and when it was processed, for idle expiry (a late event does not expire its state at once).',
    ),
    transcript: Type.Array(TranscriptEntrySchema, { description: 'The most recent messages, oldest first.' }),
    failedAnswers: Type.Integer({ minimum: 0, description: 'AI messages marked answered: false.' }),
    firings: Type.Array(
      Type.Object({ workflowId: Type.String(), at: Timestamp('When it fired.') }, { additionalProperties: false }),
      { description: "Each workflow's last firing and every firing of the last minute, oldest first." },
    ),
    memory: Type.Record(Type.String(), Type.Unknown(), {
      description: 'Contact memory seen in this conversation (before the contact was known, or without one).',
    }),
    memoryLearntAt: Type.Optional(
      Type.Record(Type.String(), Timestamp('Event time it was learnt.'), {
        description:
          "When each attribute of `memory` was learnt, so that a clear of the contact's memory forgets what " +
          'the conversation learnt before it (an attribute without a time counts as learnt before any clear).',
      }),
    ),
    waiting: Type.Optional(
      Type.Object(
        {
          for: StringEnum(['contact', 'agent']),
          since: Timestamp('Event time of the first unanswered message.'),
          handled: Type.Array(Type.String(), {
            description: 'no_reply workflows already decided for this wait, so that a repeated tick fires nothing.',
          }),
        },
        { additionalProperties: false, description: 'Who the conversation waits for, since when: no_reply timers.' },
      ),
    ),
    contactRequests: Type.Optional(
      Type.Array(
        Type.Object(
          {
            workflowId: Type.String(),
            triggerId: Type.String({ description: 'The trigger that asked; the hand-off refers to it.' }),
            fields: Type.Array(ContactFieldSchema, { minItems: 1 }),
            phoneRegion: Type.Optional(Type.String({ description: "The workflow's requireContact.phoneRegion." })),
            until: Timestamp('When the hand-off goes out with the fields still missing.'),
            message: Type.Optional(TriggerMessageSchema),
            ai: Type.Optional(AiAnnotationsSchema),
            match: TriggerMatchSchema,
            contact: Type.Optional(ContactSchema),
          },
          { additionalProperties: false },
        ),
        {
          description:
            'Escalations waiting for the contact details they asked for: what fired them (message, AI annotations, match), kept for the hand-off.',
        },
      ),
    ),
    ended: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type ConversationStateRecord = Static<typeof ConversationStateSchema>;
export const conversationStateValidator = compileValidator(ConversationStateSchema);

/**
 * `trigger-matcher.timer-ticks` (key = conversation id, co-partitioned with the validated events):
 * a wake-up for a conversation whose no_reply timer is due. It decides nothing itself: the
 * consumer re-reads the conversation's state and fires what is due then, so a repeated, late or
 * stale tick is harmless.
 */
export const TimerTickSchema = Type.Object(
  {
    tenantId: TenantId,
    conversationId: Id('The conversation.'),
    dueAt: Timestamp('When the earliest timer of the conversation was due.'),
  },
  { additionalProperties: false },
);
export type TimerTick = Static<typeof TimerTickSchema>;
export const timerTickValidator = compileValidator(TimerTickSchema);

/**
 * `trigger-matcher.contact-memory` (compacted, key = `<tenant>/<contact>/<attribute>`, each part
 * URI-encoded): one attribute of what is known of a contact across their conversations. One record
 * per attribute, so that conversations of the same contact on different partitions (different
 * trigger-matcher instances) never overwrite each other's attributes; the latest event time wins
 * per attribute. Written in the transaction of the event that taught it; every instance reads the
 * whole topic.
 */
export const ContactAttributeSchema = Type.Object(
  {
    tenantId: TenantId,
    contactId: Id('The contact.'),
    attribute: Type.String({ minLength: 1, maxLength: 128 }),
    value: Type.Unknown({
      description: 'The value; null once cleared (kept, so that the clearing wins over older values).',
    }),
    at: Timestamp('Event time of the change: the latest wins.'),
  },
  { additionalProperties: false },
);
export type ContactAttributeRecord = Static<typeof ContactAttributeSchema>;

/**
 * The contact's memory was cleared (`contact.memory.cleared`), key `<tenant>/<contact>`: attributes
 * learnt from events older than `clearedAt` are ignored wherever they come from (a record written
 * before the clear and read after it, another instance's late write). Kept for good, so that a late
 * event can never bring erased memory back; the attributes themselves get tombstones.
 */
export const ContactClearedSchema = Type.Object(
  {
    tenantId: TenantId,
    contactId: Id('The contact.'),
    clearedAt: Timestamp('Event time of the latest clear: attributes learnt from older events are ignored.'),
  },
  { additionalProperties: false },
);
export type ContactClearedRecord = Static<typeof ContactClearedSchema>;

/** A record of `trigger-matcher.contact-memory`: an attribute, or the contact's clear. */
export const ContactMemoryRecordSchema = Type.Union([ContactAttributeSchema, ContactClearedSchema]);
export type ContactMemoryRecord = Static<typeof ContactMemoryRecordSchema>;
export const contactMemoryRecordValidator = compileValidator(ContactMemoryRecordSchema);
