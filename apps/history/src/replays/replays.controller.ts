import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import {
  InvalidInputError,
  replayExecutionRequestValidator,
  replayFailuresRequestValidator,
  type ReplayView,
  type ReplaysView,
} from '@app/contracts';
import { TenantId, parseRequestBody } from '@app/platform';
import { WorkflowAccess } from '../executions/workflow-access';
import { ReplaysService } from './replays.service';

/** Delivering finished executions again: one on request, or a workflow's failures in a time window. */
@Controller('v1')
export class ReplaysController {
  constructor(
    private readonly replays: ReplaysService,
    private readonly workflows: WorkflowAccess,
  ) {}

  @Post('executions/:executionId/replay')
  @HttpCode(202)
  replayOne(
    @TenantId() tenantId: string,
    @Param('executionId') executionId: string,
    @Body() body: unknown,
  ): Promise<ReplayView> {
    const { force } = parseRequestBody(body, replayExecutionRequestValidator);
    return this.replays.replayOne(tenantId, executionId, force ?? false);
  }

  @Post('workflows/:workflowId/replays')
  @HttpCode(202)
  replayFailures(
    @TenantId() tenantId: string,
    @Param('workflowId') workflowId: string,
    @Body() body: unknown,
  ): Promise<ReplaysView> {
    this.workflows.require(tenantId, workflowId);
    const request = parseRequestBody(body, replayFailuresRequestValidator);
    const since = new Date(request.since);
    const until = request.until === undefined ? new Date() : new Date(request.until);
    if (until <= since) {
      throw new InvalidInputError('invalid_body', 'until must be after since', [
        { field: '/until', reason: 'must be after since' },
      ]);
    }
    return this.replays.replayFailures(tenantId, workflowId, since, until);
  }
}
