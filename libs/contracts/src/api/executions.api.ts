import { Type, type Static } from '@sinclair/typebox';
import { AttemptSchema, ExecutionStatusSchema } from '../events/workflow-execution.v1';

export const ExecutionViewSchema = Type.Object({
  executionId: Type.String(),
  triggerId: Type.String(),
  workflowId: Type.String({ format: 'uuid' }),
  workflowVersion: Type.Integer(),
  conversationId: Type.String(),
  actionType: Type.String(),
  status: ExecutionStatusSchema,
  attemptCount: Type.Integer({ minimum: 0 }),
  reason: Type.Optional(Type.String()),
  latencyMs: Type.Number(),
  attempts: Type.Array(AttemptSchema),
  eventTime: Type.String({ format: 'date-time' }),
  startedAt: Type.String({ format: 'date-time' }),
  finishedAt: Type.String({ format: 'date-time' }),
});
export type ExecutionView = Static<typeof ExecutionViewSchema>;

export interface ExecutionListView {
  items: ExecutionView[];
}
