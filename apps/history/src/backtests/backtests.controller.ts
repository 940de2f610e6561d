import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  BacktestRequestSchema,
  BacktestResponseSchema,
  backtestRequestValidator,
  type BacktestResponse,
} from '@app/contracts';
import { ApiErrors, ApiKeyAuth, TenantId, openApiSchema, parseRequestBody } from '@app/platform';
import { BacktestsService } from './backtests.service';

@ApiTags('backtests')
@ApiKeyAuth()
@Controller('v1/backtests')
export class BacktestsController {
  constructor(private readonly backtests: BacktestsService) {}

  @ApiOperation({ summary: 'How often a draft workflow would have fired on the stored conversations.' })
  @ApiBody({ schema: openApiSchema(BacktestRequestSchema) })
  @ApiOkResponse({ schema: openApiSchema(BacktestResponseSchema) })
  @ApiErrors(400, 413)
  @Post()
  @HttpCode(200)
  run(@TenantId() tenantId: string, @Body() body: unknown): Promise<BacktestResponse> {
    return this.backtests.run(tenantId, parseRequestBody(body, backtestRequestValidator));
  }
}
