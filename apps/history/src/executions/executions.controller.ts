import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ExecutionListViewSchema,
  ExecutionStatsQuerySchema,
  ExecutionStatsViewSchema,
  ExecutionStatusSchema,
  ExecutionViewSchema,
  ExecutionsQuerySchema,
  MAX_EXECUTION_PAGE,
  WorkflowExecutionsQuerySchema,
  type ExecutionListView,
  type ExecutionStatsView,
  type ExecutionStatus,
  type ExecutionView,
} from '@app/contracts';
import { decodeExecutionCursor, encodeExecutionCursor, type ExecutionCursor } from '@app/domain';
import {
  ApiErrors,
  ApiKeyAuth,
  ApiQueryParams,
  NotFoundError,
  QueryParams,
  TenantId,
  openApiSchema,
} from '@app/platform';
import type { ExecutionEntity } from './execution.entity';
import { ExecutionsRepository, type ExecutionFilter } from './executions.repository';
import { WorkflowAccess } from './workflow-access';

const STATUSES = ExecutionStatusSchema.enum as ExecutionStatus[];
const DAY_MS = 24 * 60 * 60 * 1000;

function toView(execution: ExecutionEntity): ExecutionView {
  return {
    executionId: execution.executionId,
    triggerId: execution.triggerId,
    workflowId: execution.workflowId,
    workflowVersion: execution.workflowVersion,
    conversationId: execution.conversationId,
    ...(execution.contactId !== null ? { contactId: execution.contactId } : {}),
    actionType: execution.actionType,
    status: execution.status,
    ...(execution.reason !== null ? { reason: execution.reason } : {}),
    ...(execution.cause !== null ? { cause: execution.cause } : {}),
    attemptCount: execution.attemptCount,
    latencyMs: execution.latencyMs,
    attempts: execution.attempts,
    eventTime: execution.eventTime.toISOString(),
    startedAt: execution.startedAt.toISOString(),
    finishedAt: execution.finishedAt.toISOString(),
    replay: execution.replay,
    previousAttempts: execution.previousAttempts,
    replayOutstanding: execution.replaysRequested > execution.replay,
    replayable: execution.trigger !== null,
  };
}

/** The time range `from`/`to` (start times), with `to` after `from` when both are given. */
function readPeriod(params: QueryParams): { from?: Date; to?: Date } {
  const from = params.time('from');
  const to = params.time('to');
  if (from && to && to.getTime() <= from.getTime()) params.issue('to', 'must be after from');
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}

/** The execution log: newest first, with every attempt, filtered, a page at a time; and per-workflow statistics. */
@ApiTags('executions')
@ApiKeyAuth()
@Controller('v1')
export class ExecutionsController {
  constructor(
    private readonly executions: ExecutionsRepository,
    private readonly workflows: WorkflowAccess,
  ) {}

  @ApiOperation({ summary: 'The execution log, newest first, filtered, a page at a time.' })
  @ApiQueryParams(ExecutionsQuerySchema)
  @ApiOkResponse({ schema: openApiSchema(ExecutionListViewSchema) })
  @ApiErrors(400)
  @Get('executions')
  list(@TenantId() tenantId: string, @Query() query: Record<string, unknown>): Promise<ExecutionListView> {
    const params = new QueryParams(query);
    const filter: ExecutionFilter = {
      ...readPeriod(params),
      ...definedOnly({
        workflowId: params.uuid('workflowId'),
        status: params.oneOf('status', STATUSES),
        conversationId: params.text('conversationId'),
        contactId: params.text('contactId'),
      }),
    };
    return this.page(tenantId, filter, params);
  }

  @ApiOperation({ summary: "One workflow's executions, newest first, a page at a time." })
  @ApiQueryParams(WorkflowExecutionsQuerySchema)
  @ApiOkResponse({ schema: openApiSchema(ExecutionListViewSchema) })
  @ApiErrors(400, 404)
  @Get('workflows/:workflowId/executions')
  listForWorkflow(
    @TenantId() tenantId: string,
    @Param('workflowId') workflowId: string,
    @Query() query: Record<string, unknown>,
  ): Promise<ExecutionListView> {
    this.workflows.require(tenantId, workflowId);
    const params = new QueryParams(query);
    return this.page(tenantId, { workflowId, ...readPeriod(params) }, params);
  }

  @ApiOperation({ summary: "The workflow's executions that started in [from, to), summarised." })
  @ApiQueryParams(ExecutionStatsQuerySchema)
  @ApiOkResponse({ schema: openApiSchema(ExecutionStatsViewSchema) })
  @ApiErrors(400, 404)
  @Get('workflows/:workflowId/stats')
  async stats(
    @TenantId() tenantId: string,
    @Param('workflowId') workflowId: string,
    @Query() query: Record<string, unknown>,
  ): Promise<ExecutionStatsView> {
    this.workflows.require(tenantId, workflowId);
    const params = new QueryParams(query);
    const to = params.time('to', new Date());
    const from = params.time('from', new Date(to.getTime() - DAY_MS));
    if (to.getTime() <= from.getTime()) params.issue('to', 'must be after from');
    params.orThrow();
    const stats = await this.executions.stats(tenantId, workflowId, from, to);
    const finished = stats.succeeded + stats.failed;
    return {
      workflowId,
      from: from.toISOString(),
      to: to.toISOString(),
      executions: stats.executions,
      succeeded: stats.succeeded,
      failed: stats.failed,
      skipped: stats.skipped,
      inProgress: stats.inProgress,
      successRate: finished === 0 ? null : stats.succeeded / finished,
      errorsByCause: stats.failuresByCause.map(({ cause, count }) => ({ cause, count, rate: count / finished })),
      latencyMs: stats.latencyMs,
      retries: stats.retries,
      retriedExecutions: stats.retriedExecutions,
    };
  }

  @ApiOperation({ summary: 'One execution with every attempt.' })
  @ApiOkResponse({ schema: openApiSchema(ExecutionViewSchema) })
  @ApiErrors(404)
  @Get('executions/:executionId')
  async get(@TenantId() tenantId: string, @Param('executionId') executionId: string): Promise<ExecutionView> {
    const execution = await this.executions.findOne(tenantId, executionId);
    if (!execution) throw new NotFoundError('execution', executionId);
    return toView(execution);
  }

  private async page(tenantId: string, filter: ExecutionFilter, params: QueryParams): Promise<ExecutionListView> {
    const limit = params.integer('limit', { min: 1, max: MAX_EXECUTION_PAGE, fallback: 50 });
    const token = params.text('cursor', { maxLength: 1024 });
    let after: ExecutionCursor | undefined;
    if (token !== undefined)
      after = decodeExecutionCursor(token) ?? params.issue('cursor', 'is not a cursor of this API');
    params.orThrow();
    // One row more than the page tells whether there is a next page.
    const rows = await this.executions.list(tenantId, filter, limit + 1, after);
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map(toView),
      ...(rows.length > limit && last
        ? { nextCursor: encodeExecutionCursor({ startedAt: last.startedAt, executionId: last.executionId }) }
        : {}),
    };
  }
}

function definedOnly<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
