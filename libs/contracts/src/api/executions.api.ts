import { Type, type Static } from '@sinclair/typebox';
import { AttemptSchema, ExecutionStatusSchema } from '../events/workflow-execution.v1';
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

export interface ExecutionListView {
  items: ExecutionView[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

/** `GET /v1/workflows/:id/stats`: the workflow's executions that started in [from, to). */
export interface ExecutionStatsView {
  workflowId: string;
  from: string;
  to: string;
  /** Every execution that started in the period, finished or not. */
  executions: number;
  succeeded: number;
  failed: number;
  skipped: number;
  inProgress: number;
  /** succeeded ÷ (succeeded + failed); null when none finished. */
  successRate: number | null;
  /** Failures by cause; `rate` = count ÷ (succeeded + failed). */
  errorsByCause: { cause: string; count: number; rate: number }[];
  /** From the first attempt to the final status, over finished executions; null when none finished. */
  latencyMs: { p50: number; p95: number; p99: number } | null;
  /** Attempts beyond the first of each series, and how many executions needed any. */
  retries: number;
  retriedExecutions: number;
}

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

export interface ReplayView {
  executionId: string;
  /** Which replay of the execution was requested: 1, 2, … */
  replay: number;
}

export interface ReplaysView {
  items: ReplayView[];
  /** More executions match than one request replays: ask again for the next ones. */
  more: boolean;
}
