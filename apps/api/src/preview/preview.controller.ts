import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { previewRequestValidator, type PreviewResponse } from '@app/contracts';
import { TenantId, parseRequestBody } from '@app/platform';
import { PreviewService } from './preview.service';

@Controller('v1/workflows/preview')
export class PreviewController {
  constructor(private readonly previewService: PreviewService) {}

  @Post()
  @HttpCode(200)
  preview(@TenantId() tenantId: string, @Body() body: unknown): Promise<PreviewResponse> {
    return this.previewService.preview(tenantId, parseRequestBody(body, previewRequestValidator));
  }
}
