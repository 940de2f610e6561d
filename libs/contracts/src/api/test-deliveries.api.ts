import { Type, type Static } from '@sinclair/typebox';
import { NamedValues } from '../schema-helpers';
import { compileValidator } from '../validation';
import { ContactSchema } from '../events/conversation-event.v1';
import { AttemptSchema } from '../events/workflow-execution.v1';

/**
 * `POST /v1/workflows/:workflowId/test-delivery` on action-dispatcher: one attempt to the
 * workflow's endpoint with a sample trigger, now. Every field is optional.
 */
export const TestDeliveryRequestSchema = Type.Object(
  {
    text: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 20_000,
        description:
          "The contact's message the sample fires on; default: the workflow's first example phrase, else a fixed sentence.",
      }),
    ),
    contact: Type.Optional(
      Type.Object(ContactSchema.properties, {
        additionalProperties: false,
        description: 'The contact of the sample; default: a made-up "Test Contact" (id test-contact).',
      }),
    ),
    memory: Type.Optional(
      NamedValues(Type.Unknown(), {
        description: "The contact's memory in the sample; default: none.",
      }),
    ),
  },
  { additionalProperties: false },
);
export type TestDeliveryRequest = Static<typeof TestDeliveryRequestSchema>;
export const testDeliveryRequestValidator = compileValidator(TestDeliveryRequestSchema);

/** The answer: what was sent where, and what the endpoint answered. Nothing is recorded or retried. */
export const TestDeliveryViewSchema = Type.Object(
  {
    workflowId: Type.String({ format: 'uuid' }),
    workflowVersion: Type.Integer({ minimum: 1, description: 'The version whose action was tried.' }),
    url: Type.String({ description: 'Where it was sent: the action’s URL (an escalation’s notifyUrl).' }),
    webhookId: Type.String({
      description: 'The `webhook-id` header: `test-` and a random UUID, never an execution’s id.',
    }),
    payload: Type.Optional(
      Type.Unknown({
        description:
          'The JSON body, as the action builds it: sent, or tried (the address refused, the connection failed); ' +
          'absent when it was over WEBHOOK_MAX_PAYLOAD_BYTES (attempt.error says so).',
      }),
    ),
    delivered: Type.Boolean({ description: 'The endpoint answered 2xx.' }),
    attempt: AttemptSchema,
    responseBody: Type.Optional(
      Type.String({
        description:
          'What a 2xx answer said, secrets redacted, cut like the execution log’s (a failed answer’s is in attempt.error).',
      }),
    ),
  },
  { additionalProperties: false },
);
export type TestDeliveryView = Static<typeof TestDeliveryViewSchema>;
