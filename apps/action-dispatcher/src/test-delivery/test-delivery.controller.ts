import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import {
  TestDeliveryRequestSchema,
  TestDeliveryViewSchema,
  testDeliveryRequestValidator,
  type TestDeliveryView,
} from '@app/contracts';
import { ApiErrors, ApiKeyAuth, TenantId, openApiSchema, parseRequestBody } from '@app/platform';
import { TestDeliveryService } from './test-delivery.service';

@ApiTags('workflows')
@ApiKeyAuth()
@Controller('v1/workflows')
export class TestDeliveryController {
  constructor(private readonly testDeliveries: TestDeliveryService) {}

  @ApiOperation({
    summary:
      "Send the workflow's endpoint one signed sample delivery now and answer what it said (not recorded, not retried).",
  })
  @ApiParam({ name: 'workflowId', schema: { type: 'string', format: 'uuid' } })
  @ApiBody({ schema: openApiSchema(TestDeliveryRequestSchema) })
  @ApiOkResponse({ schema: openApiSchema(TestDeliveryViewSchema) })
  @ApiErrors(400, 404, 409, 413)
  @Post(':workflowId/test-delivery')
  @HttpCode(200)
  send(
    @TenantId() tenantId: string,
    @Param('workflowId') workflowId: string,
    @Body() body: unknown,
  ): Promise<TestDeliveryView> {
    return this.testDeliveries.send(tenantId, workflowId, parseRequestBody(body, testDeliveryRequestValidator));
  }
}
