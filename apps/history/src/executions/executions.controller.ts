import { Controller, Get, Param, Query } from '@nestjs/common';
import { InvalidInputError, type ExecutionListView, type ExecutionView } from '@app/contracts';
import { NotFoundError, TenantId } from '@app/platform';
import type { ExecutionEntity } from './execution.entity';
import { ExecutionsRepository } from './executions.repository';
import { requireWorkflowId } from './workflow-id';

function toView(execution: ExecutionEntity): ExecutionView {
  return {
    executionId: execution.executionId,
    triggerId: execution.triggerId,
    workflowId: execution.workflowId,
    workflowVersion: execution.workflowVersion,
    conversationId: execution.conversationId,
    actionType: execution.actionType,
    status: execution.status,
    ...(execution.reason !== null ? { reason: execution.reason } : {}),
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

/** The execution log: newest first, with every attempt. */
@Controller('v1')
export class ExecutionsController {
  constructor(private readonly executions: ExecutionsRepository) {}

  @Get('workflows/:workflowId/executions')
  async listForWorkflow(
    @TenantId() tenantId: string,
    @Param('workflowId') workflowId: string,
    @Query('limit') limit?: string,
  ): Promise<ExecutionListView> {
    requireWorkflowId(workflowId);
    const take = limit === undefined ? 50 : Number(limit);
    if (!Number.isInteger(take) || take < 1 || take > 500) {
      throw new InvalidInputError('invalid_query', 'limit must be an integer from 1 to 500', [
        { field: 'query:limit', reason: 'must be an integer from 1 to 500' },
      ]);
    }
    const rows = await this.executions.listForWorkflow(tenantId, workflowId, take);
    return { items: rows.map(toView) };
  }

  @Get('executions/:executionId')
  async get(@TenantId() tenantId: string, @Param('executionId') executionId: string): Promise<ExecutionView> {
    const execution = await this.executions.findOne(tenantId, executionId);
    if (!execution) throw new NotFoundError('execution', executionId);
    return toView(execution);
  }
}
