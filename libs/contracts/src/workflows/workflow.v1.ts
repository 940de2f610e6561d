import { Type, type Static } from '@sinclair/typebox';
import { getCountries, type CountryCode } from 'libphonenumber-js';
import { NamedValues, StringEnum, TaggedUnion, TenantId, Timestamp } from '../schema-helpers';
import { ConditionRef } from '../conditions/condition.v1';
import { ContactFieldSchema } from '../events/conversation-event.v1';
import { TEMPLATE_VARIABLES_KEYWORD, compileTolerantValidator, registerSchema } from '../validation';

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
        description:
          'Similarity needed to fire, 0..1 (below 0.01 counts as 0.01, so that a quiet match never fires); a calibrated default applies.',
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

/**
 * Request header names an action may not set, in any case: those the engine sets itself
 * (`content-type`, `user-agent`, and `webhook-*`, which receivers verify a delivery with) and those
 * that frame the HTTP message, which the HTTP client owns or refuses (a request it cannot send
 * would be retried for days as a network error).
 */
const RESERVED_HEADER_NAMES = [
  'content-type',
  'user-agent',
  'content-length',
  'transfer-encoding',
  'host',
  'connection',
  'keep-alive',
  'upgrade',
  'expect',
  'te',
  'trailer',
];
/** The Standard Webhooks spec's headers, present and future. */
const RESERVED_HEADER_PREFIX = 'webhook-';
/** A pattern matching `name` in any case: JSON Schema patterns have no case-insensitive flag. */
const anyCase = (name: string) => name.replace(/[a-z]/g, (letter) => `[${letter}${letter.toUpperCase()}]`);
/** An HTTP token (RFC 9110) that is not reserved. */
const HeaderName = Type.String({
  pattern:
    `^(?!(?:${RESERVED_HEADER_NAMES.map(anyCase).join('|')})$|${anyCase(RESERVED_HEADER_PREFIX)})` +
    "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$",
});
/**
 * What an HTTP header value may hold (RFC 9110 field content: visible characters, spaces, tabs and
 * Latin-1): a line break would end the header, and the HTTP client refuses such a value, which would
 * otherwise be retried for days as a network error.
 */
const HeaderValue = Type.String({
  maxLength: 4096,
  pattern: '^[\\t\\u0020-\\u007e\\u0080-\\u00ff]*$',
  description: 'Visible characters, spaces and tabs (no line breaks).',
});
const HttpUrl = (description: string) =>
  Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2048, description });

/**
 * Text that may use `{{variables}}` from the execution's context: `contact.*`, `memory.*` (the
 * contact's memory when the workflow fired), `conversation.*` (`id`, `message.text`, `transcript`),
 * `trigger.*`, `ai.*`, `workflow.*`, and in a webhook's response reply `response.*` (the JSON it
 * answered; anywhere else it would render empty). Any other variable is refused.
 */
const CONTEXT_VARIABLES = ['contact', 'memory', 'conversation', 'trigger', 'ai', 'workflow'];
const RESPONSE_REPLY_VARIABLES = [...CONTEXT_VARIABLES, 'response'];
const Template = (maxLength: number, description: string, variables = CONTEXT_VARIABLES) =>
  Type.String({ minLength: 1, maxLength, [TEMPLATE_VARIABLES_KEYWORD]: variables, description });

/**
 * A webhook body in the receiver's own shape: any JSON whose strings may use `{{variables}}`. A
 * string that is exactly one variable takes that value's own JSON type (a number, an object, the
 * transcript array); other strings are text with the variables filled in.
 */
export const PayloadTemplateSchema = Type.Recursive(
  (Self) =>
    // One schema whose keywords each apply to their own type, not a union: a bad string is one
    // issue, not one per type it is not.
    Type.Unsafe<string | number | boolean | null | unknown[] | Record<string, unknown>>({
      type: ['string', 'number', 'boolean', 'null', 'array', 'object'],
      maxLength: 4000,
      [TEMPLATE_VARIABLES_KEYWORD]: CONTEXT_VARIABLES,
      items: Self,
      maxItems: 100,
      propertyNames: NamedValues(Self).propertyNames as object,
      additionalProperties: Self,
    }),
  { $id: 'PayloadTemplate' },
);
registerSchema(PayloadTemplateSchema as typeof PayloadTemplateSchema & { $id: string });
export type PayloadTemplate = Static<typeof PayloadTemplateSchema>;

/**
 * A region phone numbers are read in: one schema by reference, so that the ~245 codes appear once
 * in the OpenAPI documents, not in every copy of the action schema.
 */
const PhoneRegionSchema = Type.Unsafe<CountryCode>({
  ...StringEnum(getCountries(), {
    description:
      'Where a phone number written without its country code is from (a libphonenumber region: ISO 3166-1 alpha-2 such as GB for "020 7946 0958", plus a few like XK); without it only international numbers ("+44 20 7946 0958") are recognised.',
  }),
  $id: 'PhoneRegion',
});
registerSchema(PhoneRegionSchema as typeof PhoneRegionSchema & { $id: string });
const PhoneRegionRef = Type.Unsafe<CountryCode>(Type.Ref('PhoneRegion'));

/** A message the platform shows the contact: text plus optional links and quick-reply buttons. */
const richMessage = (variables: string[]) =>
  Type.Object(
    {
      text: Template(4000, 'The message; may use {{variables}}.', variables),
      links: Type.Optional(
        Type.Array(
          Type.Object(
            { label: Type.String({ minLength: 1, maxLength: 100 }), url: HttpUrl('Link target.') },
            { additionalProperties: false },
          ),
          { maxItems: 10 },
        ),
      ),
      quickReplies: Type.Optional(
        Type.Array(
          Type.Object(
            {
              label: Type.String({ minLength: 1, maxLength: 64, description: 'Button text.' }),
              value: Type.Optional(
                Type.String({ maxLength: 256, description: 'Sent back when chosen; default the label.' }),
              ),
            },
            { additionalProperties: false },
          ),
          { maxItems: 10 },
        ),
      ),
    },
    { additionalProperties: false },
  );
export const RichMessageSchema = richMessage(CONTEXT_VARIABLES);
export type RichMessage = Static<typeof RichMessageSchema>;

/** What the contact is told when an outbound action fails, so they are never left without an answer. */
export const FallbackSchema = Type.Object(
  {
    message: RichMessageSchema,
    when: Type.Optional(
      StringEnum(['final_failure', 'first_failure'], {
        description: 'After the last attempt failed (default), or at the first failure while retries continue.',
      }),
    ),
  },
  { additionalProperties: false },
);

const fallback = Type.Optional(FallbackSchema);

const ordering = Type.Optional(
  StringEnum(['unordered', 'conversation'], {
    description:
      'unordered (default): deliveries run concurrently and retries do not hold others back. conversation: one ' +
      "conversation's deliveries of this workflow are made one at a time, in the order they were triggered; a " +
      'delivery waits until the one before it succeeded or finally failed.',
  }),
);

const maxPerSecond = Type.Optional(
  Type.Number({
    exclusiveMinimum: 0,
    maximum: 10_000,
    description:
      "The endpoint's rate limit: at most this many deliveries a second (bursts of one second's worth), first " +
      'attempts and retries alike; the others wait their turn. Default: no limit beyond the concurrency limit.',
  }),
);

export const WebhookActionSchema = Type.Object(
  {
    type: Type.Literal('webhook'),
    url: HttpUrl('http(s) URL to POST to.'),
    headers: Type.Optional(
      Type.Record(HeaderName, HeaderValue, {
        // Without it a name that does not match the pattern would pass unchecked.
        additionalProperties: false,
        description: `Extra request headers. Reserved, in any case: ${RESERVED_HEADER_NAMES.join(', ')} and ${RESERVED_HEADER_PREFIX}*. The API shows each value as "[redacted]"; sending "[redacted]" back keeps the saved value while the URL stays on the same origin.`,
      }),
    ),
    payloadTemplate: Type.Optional(
      Type.Unsafe<Record<string, PayloadTemplate>>(
        NamedValues(Type.Ref('PayloadTemplate'), {
          description: 'The JSON body to send instead of the default payload, with {{variables}}.',
        }),
      ),
    ),
    responseReply: Type.Optional(
      Type.Composite([richMessage(RESPONSE_REPLY_VARIABLES)], {
        description: 'On success, a reply built from the JSON response ({{response.field}}), for the AI to confirm.',
      }),
    ),
    ordering,
    maxPerSecond,
    fallback,
  },
  { additionalProperties: false },
);

export const ZapierActionSchema = Type.Object(
  {
    type: Type.Literal('zapier'),
    url: Type.String({
      pattern: '^https://hooks\\.zapier\\.com/hooks/catch/[0-9]+/[A-Za-z0-9]+/?$',
      description: 'The "Webhooks by Zapier" Catch Hook URL.',
    }),
    ordering,
    maxPerSecond,
    fallback,
  },
  { additionalProperties: false },
);

export const MakeActionSchema = Type.Object(
  {
    type: Type.Literal('make'),
    url: Type.String({
      pattern: '^https://hook\\.[a-z0-9-]+\\.make\\.com/[A-Za-z0-9]+$',
      description: 'The Make "Custom webhook" URL.',
    }),
    ordering,
    maxPerSecond,
    fallback,
  },
  { additionalProperties: false },
);

export const EscalateActionSchema = Type.Object(
  {
    type: Type.Literal('escalate'),
    reason: Type.Optional(Template(1000, 'Why, for the human agent; default: the trigger in words.')),
    notifyUrl: Type.Optional(HttpUrl('Also POST the hand-off (signed) to this team webhook.')),
    requireContact: Type.Optional(
      Type.Object(
        {
          fields: Type.Array(ContactFieldSchema, { minItems: 1, maxItems: 2, uniqueItems: true }),
          prompt: RichMessageSchema,
          phoneRegion: Type.Optional(PhoneRegionRef),
          waitSeconds: Type.Optional(
            Type.Integer({
              minimum: 0,
              maximum: 86_400,
              description:
                'How long the hand-off waits for the answer (default 300): it goes out as soon as the contact gives what was asked (in a message or their contact details), when the conversation ends, or after this long with the fields still missing; 0: at once, right after the question.',
            }),
          ),
        },
        {
          additionalProperties: false,
          description: 'When a field is missing, the contact is asked for it (prompt) before the hand-off.',
        },
      ),
    ),
    fallback,
  },
  { additionalProperties: false },
);

const SignalValue = Type.Union([Type.String({ maxLength: 256 }), Type.Number(), Type.Boolean()]);

export const TagActionSchema = Type.Object(
  {
    type: Type.Literal('tag'),
    signals: Type.Array(
      Type.Object(
        { name: Type.String({ minLength: 1, maxLength: 128 }), value: Type.Optional(SignalValue) },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 20 },
    ),
  },
  { additionalProperties: false },
);

export const ReplyActionSchema = Type.Object(
  { type: Type.Literal('reply'), message: RichMessageSchema },
  { additionalProperties: false },
);

export const UpdateMemoryActionSchema = Type.Object(
  {
    type: Type.Literal('update_memory'),
    set: Type.Optional(
      NamedValues(SignalValue, {
        maxProperties: 50,
        description: 'Contact attributes to set (at most 50), e.g. {"cancellation_requested": true}.',
      }),
    ),
    clear: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 50, description: 'Attributes to remove.' }),
    ),
    forgetContact: Type.Optional(
      Type.Literal(true, {
        description:
          'Forget everything known of the contact first (a contact.memory.cleared event), e.g. when the ' +
          'contact asks to have their data deleted; `set` then starts the new memory.',
      }),
    ),
  },
  {
    additionalProperties: false,
    minProperties: 2,
    description: 'Set and/or clear contact memory attributes, or forget the contact.',
  },
);

export const ActionSchema = TaggedUnion(
  'type',
  [
    WebhookActionSchema,
    ZapierActionSchema,
    MakeActionSchema,
    EscalateActionSchema,
    TagActionSchema,
    ReplyActionSchema,
    UpdateMemoryActionSchema,
  ],
  { description: 'What the workflow does.' },
);
export type Action = Static<typeof ActionSchema>;
export type ActionType = Action['type'];

/**
 * Which of the workflows that fire on the same event goes first: their order in the conversation,
 * and which ones are dropped first when the conversation reaches its per-minute limit.
 */
const priority = Type.Optional(
  Type.Integer({
    minimum: 0,
    maximum: 1000,
    description:
      'Higher fires first among the workflows that fire on the same event, and is dropped last by the per-minute limit; ' +
      'between intent workflows as close to the message as each other, the higher one is the match. Default 0.',
  }),
);

/**
 * How often a workflow may fire in one conversation: once (the default), on every matching
 * event, or again only after a cooldown; and its priority.
 */
export const FiringPolicySchema = TaggedUnion(
  'mode',
  [
    Type.Object({ mode: Type.Literal('once_per_conversation'), priority }, { additionalProperties: false }),
    Type.Object({ mode: Type.Literal('every_time'), priority }, { additionalProperties: false }),
    Type.Object(
      {
        mode: Type.Literal('cooldown'),
        cooldownSeconds: Type.Integer({
          minimum: 1,
          maximum: 30 * 24 * 3600,
          description: 'Quiet time after a firing.',
        }),
        priority,
      },
      { additionalProperties: false },
    ),
  ],
  {
    description:
      'How often the workflow may fire in one conversation (default once_per_conversation), and its priority.',
  },
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
    previousSigningSecret: Type.Optional(
      Type.Object(
        {
          secret: Type.String({ pattern: '^whsec_[A-Za-z0-9+/=]+$' }),
          expiresAt: Timestamp('Until when it signs too.'),
        },
        {
          additionalProperties: false,
          description: 'After a rotation: the old secret, which also signs (a second signature) until it expires.',
        },
      ),
    ),
    updatedAt: Timestamp('When this version was created.'),
  },
  { additionalProperties: false },
);
export type WorkflowDefinition = Static<typeof WorkflowDefinitionSchema>;
// Read back from the definitions topic: what an earlier release took is still read (see compileTolerantValidator).
export const workflowDefinitionValidator = compileTolerantValidator(WorkflowDefinitionSchema);

export const WorkflowRefSchema = Type.Object(
  { id: Type.String({ format: 'uuid' }), version: Type.Integer({ minimum: 1 }), name: Type.String() },
  { additionalProperties: false },
);
export type WorkflowRef = Static<typeof WorkflowRefSchema>;
