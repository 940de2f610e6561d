import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  PreviewRequestSchema,
  PreviewResponseSchema,
  previewRequestValidator,
  type PreviewResponse,
} from '@app/contracts';
import { ApiErrors, ApiKeyAuth, TenantId, openApiSchema, parseRequestBody } from '@app/platform';
import { PreviewService } from './preview.service';

@ApiTags('workflows')
@ApiKeyAuth()
@Controller('v1/workflows/preview')
export class PreviewController {
  constructor(private readonly previewService: PreviewService) {}

  @ApiOperation({
    summary: "Dry-run: which of the tenant's workflows would fire on each message, and why. Executes nothing.",
  })
  @ApiBody({ schema: openApiSchema(PreviewRequestSchema) })
  @ApiOkResponse({ schema: openApiSchema(PreviewResponseSchema) })
  @ApiErrors(400, 404, 413)
  @Post()
  @HttpCode(200)
  preview(@TenantId() tenantId: string, @Body() body: unknown): Promise<PreviewResponse> {
    return this.previewService.preview(tenantId, parseRequestBody(body, previewRequestValidator));
  }
}
