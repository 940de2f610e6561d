import { Type, type Static } from '@sinclair/typebox';
import { Id, StringEnum, TenantId, Timestamp } from '../schema-helpers';
import { compileValidator } from '../validation';
import { WorkflowRefSchema } from '../workflows/workflow.v1';
import { AiAnnotationsSchema, ContactFieldSchema, ContactSchema, TranscriptEntrySchema } from './conversation-event.v1';

/** Why a workflow fired (or, in previews, did not): enough to explain the decision to an author. */
export const TriggerMatchSchema = Type.Object(
  {
    type: StringEnum(['intent', 'ai_intent', 'ai_request', 'failed_answers', 'conversation_end', 'no_reply']),
    score: Type.Number({ minimum: 0, maximum: 1, description: 'How well the trigger matched, 0..1.' }),
    threshold: Type.Number({ minimum: 0, maximum: 1, description: 'The score needed to fire.' }),
    phrase: Type.Optional(Type.String({ description: 'Intent triggers: the example phrase that matched best.' })),
    detail: Type.Optional(Type.String({ description: 'Other triggers: what matched, in words.' })),
  },
  { additionalProperties: false },
);
export type TriggerMatch = Static<typeof TriggerMatchSchema>;

/** The event a workflow fired on (a timer's, for no_reply). */
const TriggerEventSchema = Type.Object(
  { id: Type.String(), source: Type.String(), type: Type.String(), time: Timestamp('Event time.') },
  { additionalProperties: false },
);

/** The message a workflow fired on. */
export const TriggerMessageSchema = Type.Object(
  { id: Type.String(), role: Type.String(), text: Type.String() },
  { additionalProperties: false },
);

/**
 * An escalation that asks the contact for their details first (`requireContact` with a wait): the
 * first trigger only asks; trigger-matcher fires the workflow again for the hand-off once the
 * contact answered, the conversation ended, or the wait is over.
 */
export const ContactRequestSchema = Type.Union([
  Type.Object(
    {
      stage: Type.Literal('ask'),
      fields: Type.Array(ContactFieldSchema, { minItems: 1, description: 'What is missing, and asked for.' }),
      until: Timestamp('When the hand-off goes out at the latest.'),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      stage: Type.Literal('hand_off'),
      fields: Type.Array(ContactFieldSchema, { minItems: 1, description: 'What was asked for.' }),
      outcome: StringEnum(['answered', 'ended', 'timed_out'], {
        description:
          'answered: the contact gave every field asked for; ended: the conversation ended first; timed_out: the wait is over.',
      }),
      askedBy: Id('The trigger that asked.'),
    },
    { additionalProperties: false },
  ),
]);
export type ContactRequest = Static<typeof ContactRequestSchema>;

/** `workflow.triggers` (key = conversation id): trigger-matcher decided that a workflow fires. */
export const WorkflowTriggeredSchema = Type.Object(
  {
    triggerId: Id('Deterministic: the same event and workflow always give the same id.'),
    tenantId: TenantId,
    conversationId: Id('Conversation the workflow fired in.'),
    workflow: WorkflowRefSchema,
    event: TriggerEventSchema,
    message: Type.Optional(TriggerMessageSchema),
    /** The conversation's contact: the id and newest details its events gave, and what the contact answered an escalation. */
    contact: Type.Optional(ContactSchema),
    ai: Type.Optional(AiAnnotationsSchema),
    memory: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description:
          "What is known of the contact when the workflow fired (the contact's memory over the conversation's).",
      }),
    ),
    transcript: Type.Optional(
      Type.Array(TranscriptEntrySchema, { description: 'The recent messages of the conversation, oldest first.' }),
    ),
    match: TriggerMatchSchema,
    preview: Type.Optional(
      Type.Boolean({ description: 'Fired in a preview conversation (draft workflows fire only there).' }),
    ),
    contactRequest: Type.Optional(ContactRequestSchema),
    conversationEnded: Type.Optional(
      Type.Boolean({
        description: 'The conversation had ended when the workflow fired: nobody will answer a question.',
      }),
    ),
    firedAt: Timestamp('When the decision was made.'),
  },
  { additionalProperties: false },
);
export type WorkflowTriggered = Static<typeof WorkflowTriggeredSchema>;
export const workflowTriggeredValidator = compileValidator(WorkflowTriggeredSchema);
