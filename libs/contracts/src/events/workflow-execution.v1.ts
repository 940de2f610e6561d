import { Type, type Static } from '@sinclair/typebox';
import { Id, StringEnum, TenantId, Timestamp } from '../schema-helpers';
import { compileValidator } from '../validation';
import { WorkflowTriggeredSchema } from './workflow-trigger.v1';

/**
 * `retrying`: an attempt failed and another is scheduled (`nextAttemptAt`); `circuit_open`: the
 * endpoint's circuit breaker is open, so the execution was postponed to `nextAttemptAt` without an
 * attempt. A later result of the same execution replaces either. `skipped`: the workflow was disabled or deleted between its trigger
 * and its execution, or its endpoint is disabled.
 */
export const ExecutionStatusSchema = StringEnum(['succeeded', 'failed', 'retrying', 'circuit_open', 'skipped']);
export type ExecutionStatus = Static<typeof ExecutionStatusSchema>;

/** Whether an execution reached its final status (`retrying` and `circuit_open` are steps on the way). */
export function isFinalExecutionStatus(status: ExecutionStatus): boolean {
  return status !== 'retrying' && status !== 'circuit_open';
}

/** One delivery attempt of an action. */
export const AttemptSchema = Type.Object(
  {
    number: Type.Integer({ minimum: 1 }),
    startedAt: Timestamp('When the attempt started.'),
    durationMs: Type.Number({ minimum: 0 }),
    statusCode: Type.Optional(Type.Integer({ minimum: 100, maximum: 599 })),
    error: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export type Attempt = Static<typeof AttemptSchema>;

/** `workflow.executions` (key = conversation id): the outcome of executing a triggered workflow. */
export const WorkflowExecutedSchema = Type.Object(
  {
    executionId: Id('Stable per trigger; also the webhook-id idempotency key.'),
    triggerId: Id('The trigger this execution carried out.'),
    tenantId: TenantId,
    conversationId: Id('Conversation the workflow fired in.'),
    contactId: Type.Optional(Id('The contact of the conversation, when the platform named one.')),
    workflowId: Type.String({ format: 'uuid' }),
    workflowVersion: Type.Integer({ minimum: 1, description: 'Version of the workflow that ran.' }),
    actionType: Type.String(),
    status: ExecutionStatusSchema,
    attempts: Type.Array(AttemptSchema, { description: 'Every delivery attempt; empty when skipped.' }),
    reason: Type.Optional(Type.String({ maxLength: 2000, description: 'Why it failed, is retrying or was skipped.' })),
    nextAttemptAt: Type.Optional(Timestamp('When `retrying` or `circuit_open`: when the next attempt is due.')),
    eventTime: Timestamp('Time of the conversation event that triggered it.'),
    startedAt: Timestamp('When the first attempt started.'),
    finishedAt: Timestamp('When the execution reached its status (for `retrying`, when this attempt ended).'),
    latencyMs: Type.Number({ minimum: 0, description: 'From the first attempt to the final status.' }),
    replay: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'Which replay series of the execution this result belongs to; absent for the first series.',
      }),
    ),
    preview: Type.Optional(
      Type.Boolean({ description: 'Carried out in a preview conversation (an author trying workflows): not counted.' }),
    ),
    // On the final result of an execution that called an endpoint: the trigger it carried out,
    // kept by history so that the execution can be replayed.
    trigger: Type.Optional(WorkflowTriggeredSchema),
  },
  { additionalProperties: false },
);
export type WorkflowExecuted = Static<typeof WorkflowExecutedSchema>;
export const workflowExecutedValidator = compileValidator(WorkflowExecutedSchema);
