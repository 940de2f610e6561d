import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put } from '@nestjs/common';
import {
  createWorkflowRequestValidator,
  putWorkflowTestsRequestValidator,
  rotateSigningSecretRequestValidator,
  type RotatedSigningSecretView,
  updateWorkflowRequestValidator,
  type CreatedWorkflowView,
  type WorkflowTestCase,
  type WorkflowTestReport,
  type WorkflowView,
} from '@app/contracts';
import { TenantId, parseRequestBody } from '@app/platform';
import { WorkflowsService } from './workflows.service';

@Controller('v1/workflows')
export class WorkflowsController {
  constructor(private readonly workflows: WorkflowsService) {}

  @Post()
  create(@TenantId() tenantId: string, @Body() body: unknown): Promise<CreatedWorkflowView> {
    return this.workflows.create(tenantId, parseRequestBody(body, createWorkflowRequestValidator));
  }

  @Get()
  async list(@TenantId() tenantId: string): Promise<{ items: WorkflowView[] }> {
    return { items: await this.workflows.list(tenantId) };
  }

  @Get(':id')
  get(@TenantId() tenantId: string, @Param('id') id: string): Promise<WorkflowView> {
    return this.workflows.get(tenantId, id);
  }

  @Patch(':id')
  update(@TenantId() tenantId: string, @Param('id') id: string, @Body() body: unknown): Promise<WorkflowView> {
    return this.workflows.update(tenantId, id, parseRequestBody(body, updateWorkflowRequestValidator));
  }

  /** Replaces the workflow's saved test cases. */
  @Put(':id/tests')
  replaceTests(
    @TenantId() tenantId: string,
    @Param('id') id: string,
    @Body() body: unknown,
  ): Promise<{ cases: WorkflowTestCase[] }> {
    return this.workflows.replaceTests(tenantId, id, parseRequestBody(body, putWorkflowTestsRequestValidator));
  }

  @Get(':id/tests')
  testCases(@TenantId() tenantId: string, @Param('id') id: string): Promise<{ cases: WorkflowTestCase[] }> {
    return this.workflows.testCases(tenantId, id);
  }

  /** Runs the saved test cases now; they also run, and must pass, when the workflow is enabled. */
  @Post(':id/tests/run')
  @HttpCode(200)
  runTests(@TenantId() tenantId: string, @Param('id') id: string): Promise<WorkflowTestReport> {
    return this.workflows.runTests(tenantId, id);
  }

  /** A new signing secret; the old one also signs for the overlap (default 24 h). */
  @Post(':id/signing-secret/rotate')
  @HttpCode(200)
  rotateSigningSecret(
    @TenantId() tenantId: string,
    @Param('id') id: string,
    @Body() body: unknown,
  ): Promise<RotatedSigningSecretView> {
    return this.workflows.rotateSigningSecret(
      tenantId,
      id,
      parseRequestBody(body, rotateSigningSecretRequestValidator),
    );
  }

  @Delete(':id')
  @HttpCode(204)
  delete(@TenantId() tenantId: string, @Param('id') id: string): Promise<void> {
    return this.workflows.delete(tenantId, id);
  }
}
