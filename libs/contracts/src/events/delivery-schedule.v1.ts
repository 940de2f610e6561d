import { Type, type Static } from '@sinclair/typebox';
import { Id, Timestamp } from '../schema-helpers';
import { compileValidator } from '../validation';
import { AttemptSchema } from './workflow-execution.v1';
import { WorkflowTriggeredSchema } from './workflow-trigger.v1';

/**
 * `action-dispatcher.deliveries` (compacted, key = execution id): an execution that still has an
 * attempt to make, with everything needed to make it. Written when a trigger is consumed and after
 * every failed attempt; a null value (tombstone) once the execution reached a final status. The
 * dispatcher's retry schedule is this table, so it survives restarts.
 */
export const PendingDeliverySchema = Type.Object(
  {
    executionId: Id('The execution; also the webhook-id.'),
    trigger: WorkflowTriggeredSchema,
    attempts: Type.Array(AttemptSchema, { description: 'Attempts made so far.' }),
    dueAt: Timestamp('When the next attempt may start.'),
    startedAt: Timestamp('When the execution (or this replay of it) was scheduled first.'),
    replay: Type.Optional(
      Type.Integer({ minimum: 1, description: 'A replay series of a finished execution: which one; absent at first.' }),
    ),
  },
  { additionalProperties: false },
);
export type PendingDelivery = Static<typeof PendingDeliverySchema>;
export const pendingDeliveryValidator = compileValidator(PendingDeliverySchema);

/**
 * `action-dispatcher.endpoint-failures` (compacted, key = workflow id): since when a workflow's
 * endpoint has failed every attempt (null: its last attempt succeeded). Written with the attempt
 * that starts or ends a failing streak, so that the disabling window survives restarts.
 */
export const EndpointFailingSchema = Type.Object(
  {
    workflowId: Type.String({ format: 'uuid' }),
    tenantId: Type.String(),
    failingSince: Type.Union([Timestamp('The first failed attempt since the last success.'), Type.Null()]),
    endpoint: Type.Optional(
      Type.String({
        pattern: '^[0-9a-f]{64}$',
        description:
          "Which endpoint the streak is of: the SHA-256 of its URL (a hook URL's path is often its secret). An edit that keeps the URL keeps the streak.",
      }),
    ),
  },
  { additionalProperties: false },
);
export type EndpointFailing = Static<typeof EndpointFailingSchema>;
export const endpointFailingValidator = compileValidator(EndpointFailingSchema);

/**
 * `action-dispatcher.endpoints` (compacted, key = workflow id): an endpoint the dispatcher
 * stopped delivering to (it answered 410 Gone, or failed without a success for the whole
 * disabling window). Deliveries for versions up to `workflowVersion` are skipped; any new version
 * of the workflow (a fixed URL, or the author re-enabling it) delivers again.
 */
export const EndpointDisabledSchema = Type.Object(
  {
    workflowId: Type.String({ format: 'uuid' }),
    tenantId: Type.String(),
    workflowVersion: Type.Integer({ minimum: 1, description: 'The newest version this applies to.' }),
    reason: Type.String({ maxLength: 2000 }),
    disabledAt: Timestamp('When the dispatcher disabled it.'),
  },
  { additionalProperties: false },
);
export type EndpointDisabled = Static<typeof EndpointDisabledSchema>;
export const endpointDisabledValidator = compileValidator(EndpointDisabledSchema);
