import { Type, type Static } from '@sinclair/typebox';
import { SampleMessageFields } from '../events/conversation-event.v1';
import { compileValidator } from '../validation';
import { ActionSchema, TriggerSchema, WorkflowStatusSchema } from '../workflows/workflow.v1';

/**
 * A workflow as the offline `match` CLI reads it: the API's own shape (so an export of
 * GET /v1/workflows can be fed as it is), where only `trigger` is required. Defaults: `id` =
 * its position (`workflow-1`, …), `name` = the id, `status` = enabled, no action.
 */
export const OfflineWorkflowSchema = Type.Object(
  {
    id: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    status: Type.Optional(WorkflowStatusSchema),
    trigger: TriggerSchema,
    action: Type.Optional(ActionSchema),
  },
  { additionalProperties: true },
);
export type OfflineWorkflow = Static<typeof OfflineWorkflowSchema>;
export const offlineWorkflowsValidator = compileValidator(Type.Array(OfflineWorkflowSchema, { maxItems: 100_000 }));

/** One line of the messages file: a contact's message, with what is known of the contact. */
export const OfflineMessageSchema = Type.Object(
  {
    id: Type.Union([Type.String(), Type.Number()]),
    ...SampleMessageFields,
    memory: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: true },
);
export type OfflineMessage = Static<typeof OfflineMessageSchema>;
export const offlineMessageValidator = compileValidator(OfflineMessageSchema);
