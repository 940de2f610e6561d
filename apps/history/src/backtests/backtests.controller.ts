import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { backtestRequestValidator, type BacktestResponse } from '@app/contracts';
import { TenantId, parseRequestBody } from '@app/platform';
import { BacktestsService } from './backtests.service';

@Controller('v1/backtests')
export class BacktestsController {
  constructor(private readonly backtests: BacktestsService) {}

  @Post()
  @HttpCode(200)
  run(@TenantId() tenantId: string, @Body() body: unknown): Promise<BacktestResponse> {
    return this.backtests.run(tenantId, parseRequestBody(body, backtestRequestValidator));
  }
}
