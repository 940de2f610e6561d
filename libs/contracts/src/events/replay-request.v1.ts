import { Type, type Static } from '@sinclair/typebox';
import { Id, Timestamp } from '../schema-helpers';
import { compileValidator } from '../validation';
import { WorkflowTriggeredSchema } from './workflow-trigger.v1';

/**
 * `workflow.replays` (key = conversation id): history asks the dispatcher to deliver a finished
 * execution again, as a new attempt series of the same execution (same `webhook-id`) with the
 * workflow's current definition. `replay` numbers the series: history assigns it, so a repeated
 * request is the same series, never a second one.
 */
export const ReplayRequestedSchema = Type.Object(
  {
    executionId: Id('The execution to deliver again; its webhook-id stays the same.'),
    replay: Type.Integer({ minimum: 1, description: 'Which replay of the execution this is: 1, 2, …' }),
    trigger: WorkflowTriggeredSchema,
    requestedAt: Timestamp('When the replay was requested.'),
  },
  { additionalProperties: false },
);
export type ReplayRequested = Static<typeof ReplayRequestedSchema>;
export const replayRequestedValidator = compileValidator(ReplayRequestedSchema);
