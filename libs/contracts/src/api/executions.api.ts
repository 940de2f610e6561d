import { Type, type Static } from '@sinclair/typebox';
import { AttemptSchema, ExecutionStatusSchema } from '../events/workflow-execution.v1';
import { Timestamp } from '../schema-helpers';
import { compileValidator } from '../validation';

export const ExecutionViewSchema = Type.Object({
  executionId: Type.String(),
  triggerId: Type.String(),
  workflowId: Type.String({ format: 'uuid' }),
  workflowVersion: Type.Integer(),
  conversationId: Type.String(),
  contactId: Type.Optional(Type.String()),
  actionType: Type.String(),
  status: ExecutionStatusSchema,
  attemptCount: Type.Integer({ minimum: 0 }),
  reason: Type.Optional(Type.String()),
  cause: Type.Optional(
    Type.String({ description: 'Why a failed execution failed: http_<code>, timeout, connection or not_attempted.' }),
  ),
  latencyMs: Type.Number(),
  attempts: Type.Array(AttemptSchema),
  eventTime: Type.String({ format: 'date-time' }),
  startedAt: Type.String({ format: 'date-time' }),
  finishedAt: Type.String({ format: 'date-time' }),
  replay: Type.Integer({ minimum: 0, description: 'Which replay series `attempts` belong to; 0 for the first.' }),
  previousAttempts: Type.Array(AttemptSchema, { description: 'Attempts of the earlier series, oldest first.' }),
  replayOutstanding: Type.Boolean({ description: 'A replay was requested and has not reported yet.' }),
  replayable: Type.Boolean({ description: 'The trigger is kept, so the execution can be replayed once finished.' }),
});
export type ExecutionView = Static<typeof ExecutionViewSchema>;

export const ExecutionListViewSchema = Type.Object({
  items: Type.Array(ExecutionViewSchema, { description: 'Newest first.' }),
  nextCursor: Type.Optional(
    Type.String({ description: 'Pass as `cursor` for the next page; absent on the last page.' }),
  ),
});
export type ExecutionListView = Static<typeof ExecutionListViewSchema>;

/** Most executions one page of the execution log holds. */
export const MAX_EXECUTION_PAGE = 500;

/** The query of `GET /v1/workflows/:id/executions`: a period and a page. */
export const WorkflowExecutionsQuerySchema = Type.Object({
  from: Type.Optional(Timestamp('Executions that started at or after this time.')),
  to: Type.Optional(Timestamp('Executions that started before this time (after `from`).')),
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: MAX_EXECUTION_PAGE, default: 50, description: 'Executions per page.' }),
  ),
  cursor: Type.Optional(Type.String({ maxLength: 1024, description: 'The `nextCursor` of the previous page.' })),
});

/** The query of `GET /v1/executions`: the same, and filters, all combined. */
export const ExecutionsQuerySchema = Type.Composite([
  WorkflowExecutionsQuerySchema,
  Type.Object({
    workflowId: Type.Optional(Type.String({ format: 'uuid' })),
    status: Type.Optional(ExecutionStatusSchema),
    conversationId: Type.Optional(Type.String()),
    contactId: Type.Optional(Type.String()),
  }),
]);

/** The query of `GET /v1/workflows/:id/stats`. */
export const ExecutionStatsQuerySchema = Type.Object({
  from: Type.Optional(Timestamp('Executions that started at or after this time; default `to` minus 24 hours.')),
  to: Type.Optional(Timestamp('Executions that started before this time; default now.')),
});

/** `GET /v1/workflows/:id/stats`: the workflow's executions that started in [from, to). */
export const ExecutionStatsViewSchema = Type.Object({
  workflowId: Type.String({ format: 'uuid' }),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  executions: Type.Integer({ minimum: 0, description: 'Every execution that started in the period, finished or not.' }),
  succeeded: Type.Integer({ minimum: 0 }),
  failed: Type.Integer({ minimum: 0 }),
  skipped: Type.Integer({ minimum: 0 }),
  inProgress: Type.Integer({ minimum: 0, description: '`retrying` or `circuit_open`.' }),
  successRate: Type.Union([Type.Number(), Type.Null()], {
    description: 'succeeded ÷ (succeeded + failed); null when none finished.',
  }),
  errorsByCause: Type.Array(
    Type.Object({ cause: Type.String(), count: Type.Integer({ minimum: 1 }), rate: Type.Number() }),
    { description: 'Failures by cause; `rate` = count ÷ (succeeded + failed).' },
  ),
  latencyMs: Type.Union([Type.Object({ p50: Type.Number(), p95: Type.Number(), p99: Type.Number() }), Type.Null()], {
    description: 'From the first attempt to the final status, over finished executions; null when none finished.',
  }),
  retries: Type.Integer({ minimum: 0, description: 'Attempts beyond the first of each series.' }),
  retriedExecutions: Type.Integer({ minimum: 0, description: 'Executions that needed a retry.' }),
});
export type ExecutionStatsView = Static<typeof ExecutionStatsViewSchema>;

/** `POST /v1/executions/:id/replay`: deliver a finished execution again; `force` also replays a succeeded one. */
export const ReplayExecutionRequestSchema = Type.Object(
  {
    force: Type.Optional(
      Type.Boolean({ description: 'Replay even when the execution succeeded (the receiver gets it twice).' }),
    ),
  },
  { additionalProperties: false },
);
export type ReplayExecutionRequest = Static<typeof ReplayExecutionRequestSchema>;
export const replayExecutionRequestValidator = compileValidator(ReplayExecutionRequestSchema);

/** `POST /v1/workflows/:id/replays`: replay the workflow's failed executions that started in [since, until). */
export const ReplayFailuresRequestSchema = Type.Object(
  {
    since: Type.String({ format: 'date-time', description: 'Executions that started at or after this time.' }),
    until: Type.Optional(
      Type.String({ format: 'date-time', description: 'Executions that started before this time; default now.' }),
    ),
  },
  { additionalProperties: false },
);
export type ReplayFailuresRequest = Static<typeof ReplayFailuresRequestSchema>;
export const replayFailuresRequestValidator = compileValidator(ReplayFailuresRequestSchema);

export const ReplayViewSchema = Type.Object({
  executionId: Type.String(),
  replay: Type.Integer({ minimum: 1, description: 'Which replay of the execution was requested: 1, 2, …' }),
});
export type ReplayView = Static<typeof ReplayViewSchema>;

export const ReplaysViewSchema = Type.Object({
  items: Type.Array(ReplayViewSchema),
  more: Type.Boolean({ description: 'More executions match than one request replays: ask again for the next ones.' }),
});
export type ReplaysView = Static<typeof ReplaysViewSchema>;
