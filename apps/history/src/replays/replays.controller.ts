import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  InvalidInputError,
  ReplayExecutionRequestSchema,
  ReplayFailuresRequestSchema,
  ReplayViewSchema,
  ReplaysViewSchema,
  replayExecutionRequestValidator,
  replayFailuresRequestValidator,
  type ReplayView,
  type ReplaysView,
} from '@app/contracts';
import { ApiErrors, ApiKeyAuth, TenantId, openApiSchema, parseRequestBody } from '@app/platform';
import { WorkflowAccess } from '../executions/workflow-access';
import { ReplaysService } from './replays.service';

/** Delivering finished executions again: one on request, or a workflow's failures in a time window. */
@ApiTags('replays')
@ApiKeyAuth()
@Controller('v1')
export class ReplaysController {
  constructor(
    private readonly replays: ReplaysService,
    private readonly workflows: WorkflowAccess,
  ) {}

  @ApiOperation({ summary: 'Deliver a finished execution again (a succeeded one only with force).' })
  @ApiBody({ schema: openApiSchema(ReplayExecutionRequestSchema) })
  @ApiAcceptedResponse({ schema: openApiSchema(ReplayViewSchema) })
  @ApiErrors(400, 404, 409, 413)
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

  @ApiOperation({
    summary: "Replay the workflow's failed and skipped executions that started in [since, until), 500 at most.",
  })
  @ApiBody({ schema: openApiSchema(ReplayFailuresRequestSchema) })
  @ApiAcceptedResponse({ schema: openApiSchema(ReplaysViewSchema) })
  @ApiErrors(400, 404, 413)
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
    // A window the caller gave must be one; `since` at or after the default `until` (now) asks
    // for what failed after now: nothing, not an error (and not one that depends on the clocks).
    if (request.until !== undefined && until <= since) {
      throw new InvalidInputError('invalid_body', 'until must be after since', [
        { field: '/until', reason: 'must be after since' },
      ]);
    }
    return this.replays.replayFailures(tenantId, workflowId, since, until);
  }
}
