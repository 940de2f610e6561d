import { Type, type Static } from '@sinclair/typebox';
import { Id, StringEnum, TaggedUnion, TenantId, Timestamp } from '../schema-helpers';
import { compileValidator } from '../validation';
import { WorkflowRefSchema } from '../workflows/workflow.v1';

/**
 * A workflow's webhook endpoint was disabled: it answered 410 Gone, or failed every attempt for
 * the whole disabling window. Its executions are skipped until the workflow changes.
 */
export const EndpointDisabledNotificationSchema = Type.Object(
  {
    type: Type.Literal('endpoint.disabled'),
    id: Id('Deterministic per disabling: a consumer that sees it twice can tell.'),
    tenantId: TenantId,
    workflow: WorkflowRefSchema,
    cause: StringEnum(['gone', 'failing'], {
      description: 'gone: the endpoint answered 410 Gone; failing: no successful delivery for the disabling window.',
    }),
    reason: Type.String({ maxLength: 2000, description: 'In words, with the URL.' }),
    disabledAt: Timestamp('When the dispatcher disabled it.'),
  },
  { additionalProperties: false },
);

/**
 * `workflow.notifications` (key = tenant id): what a tenant's workflow authors must hear about
 * their workflows, for the platform to pass on (Svix's "operational webhooks", as a topic: the
 * platform already consumes `conversation.actions`). Tagged by `type`; more types may follow.
 */
export const WorkflowNotificationSchema = TaggedUnion('type', [EndpointDisabledNotificationSchema]);
export type WorkflowNotification = Static<typeof WorkflowNotificationSchema>;
export const workflowNotificationValidator = compileValidator(WorkflowNotificationSchema);
