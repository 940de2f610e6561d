import { Type, type Static } from '@sinclair/typebox';
import { StringEnum, TaggedUnion, TenantId, Timestamp } from '../schema-helpers';
import { ConditionRef } from '../conditions/condition.v1';
import { compileValidator } from '../validation';

const conditions = Type.Optional(ConditionRef);

export const IntentTriggerSchema = Type.Object(
  {
    type: Type.Literal('intent'),
    phrases: Type.Array(Type.String({ minLength: 1, maxLength: 500 }), {
      minItems: 1,
      maxItems: 200,
      description: 'Example phrases such as "I want to cancel"; paraphrases of them fire the workflow.',
    }),
    negativePhrases: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 500 }), {
        maxItems: 200,
        description:
          'Phrases that must NOT fire it ("I don\'t want to cancel"); a message closer to one of them stays quiet.',
      }),
    ),
    conditions,
    threshold: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1,
        description: 'Similarity needed to fire, 0..1; a calibrated default applies.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const AiIntentTriggerSchema = Type.Object(
  {
    type: Type.Literal('ai_intent'),
    intents: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), {
      minItems: 1,
      maxItems: 50,
      description: 'Fires when the platform AI detects one of these intents (case-insensitive).',
    }),
    minConfidence: Type.Optional(
      Type.Number({ minimum: 0, maximum: 1, description: "The AI's confidence needed; default 0.7." }),
    ),
    conditions,
  },
  { additionalProperties: false },
);

export const AiRequestTriggerSchema = Type.Object(
  { type: Type.Literal('ai_request'), conditions },
  {
    additionalProperties: false,
    description: 'Fires when the platform AI asks to run this workflow, by id or name (data.ai.requestedWorkflow).',
  },
);

export const FailedAnswersTriggerSchema = Type.Object(
  {
    type: Type.Literal('failed_answers'),
    count: Type.Integer({ minimum: 1, maximum: 100, description: 'Failed AI answers in the conversation.' }),
    conditions,
  },
  {
    additionalProperties: false,
    description: 'Smart escalation: fires on the AI answer that brings the failed answers to `count`.',
  },
);

export const ConversationEndTriggerSchema = Type.Object(
  { type: Type.Literal('conversation_end'), conditions },
  { additionalProperties: false, description: 'Fires when the conversation ends, with its transcript.' },
);

/** The longest wait a `no_reply` trigger may set: 30 days. */
export const MAX_NO_REPLY_SECONDS = 30 * 24 * 3600;

export const NoReplyTriggerSchema = Type.Object(
  {
    type: Type.Literal('no_reply'),
    waitingFor: StringEnum(['contact', 'agent'], {
      description:
        '`contact`: the AI or an agent wrote last and the contact has not answered; `agent`: the contact wrote last and neither the AI nor an agent has answered.',
    }),
    seconds: Type.Integer({
      minimum: 1,
      maximum: MAX_NO_REPLY_SECONDS,
      description:
        'How long the conversation waits before the workflow fires, counted from the first unanswered message.',
    }),
    conditions,
  },
  {
    additionalProperties: false,
    description:
      'Time-based: fires when nobody on the awaited side replied for `seconds`; a reply or the end cancels it.',
  },
);

export const TriggerSchema = TaggedUnion(
  'type',
  [
    IntentTriggerSchema,
    AiIntentTriggerSchema,
    AiRequestTriggerSchema,
    FailedAnswersTriggerSchema,
    ConversationEndTriggerSchema,
    NoReplyTriggerSchema,
  ],
  { description: 'When the workflow fires.' },
);
export type Trigger = Static<typeof TriggerSchema>;
export type TriggerType = Trigger['type'];

const HeaderName = Type.String({ pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$" });

export const WebhookActionSchema = Type.Object(
  {
    type: Type.Literal('webhook'),
    url: Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2048, description: 'http(s) URL to POST to.' }),
    headers: Type.Optional(
      Type.Record(HeaderName, Type.String({ maxLength: 4096 }), { description: 'Extra request headers.' }),
    ),
  },
  { additionalProperties: false },
);

export const ActionSchema = TaggedUnion('type', [WebhookActionSchema], { description: 'What the workflow does.' });
export type Action = Static<typeof ActionSchema>;
export type ActionType = Action['type'];

/**
 * How often a workflow may fire in one conversation: once (the default), on every matching
 * event, or again only after a cooldown.
 */
export const FiringPolicySchema = TaggedUnion(
  'mode',
  [
    Type.Object({ mode: Type.Literal('once_per_conversation') }, { additionalProperties: false }),
    Type.Object({ mode: Type.Literal('every_time') }, { additionalProperties: false }),
    Type.Object(
      {
        mode: Type.Literal('cooldown'),
        cooldownSeconds: Type.Integer({
          minimum: 1,
          maximum: 30 * 24 * 3600,
          description: 'Quiet time after a firing.',
        }),
      },
      { additionalProperties: false },
    ),
  ],
  { description: 'How often the workflow may fire in one conversation; default once_per_conversation.' },
);
export type FiringPolicy = Static<typeof FiringPolicySchema>;

/**
 * `enabled` runs on every conversation; `draft` runs only on conversations flagged as preview
 * (`data.preview: true` on their events), so an author can try it on a real conversation first;
 * `disabled` never runs.
 */
export const WorkflowStatusSchema = StringEnum(['enabled', 'draft', 'disabled']);
export type WorkflowStatus = Static<typeof WorkflowStatusSchema>;

/**
 * The definition the control plane publishes to the compacted `workflow.definitions` topic
 * (key = workflow id; a null value deletes). The data plane reads workflows from there only.
 * It carries the signing secret: the topic is internal to the engine.
 */
export const WorkflowDefinitionSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    tenantId: TenantId,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    version: Type.Integer({ minimum: 1, description: 'Increases by one on every change.' }),
    status: WorkflowStatusSchema,
    trigger: TriggerSchema,
    action: ActionSchema,
    firing: FiringPolicySchema,
    signingSecret: Type.String({ pattern: '^whsec_[A-Za-z0-9+/=]+$', description: 'Standard Webhooks secret.' }),
    updatedAt: Timestamp('When this version was created.'),
  },
  { additionalProperties: false },
);
export type WorkflowDefinition = Static<typeof WorkflowDefinitionSchema>;
export const workflowDefinitionValidator = compileValidator(WorkflowDefinitionSchema);

export const WorkflowRefSchema = Type.Object(
  { id: Type.String({ format: 'uuid' }), version: Type.Integer({ minimum: 1 }), name: Type.String() },
  { additionalProperties: false },
);
export type WorkflowRef = Static<typeof WorkflowRefSchema>;
