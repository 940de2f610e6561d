import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import {
  createWorkflowRequestValidator,
  updateWorkflowRequestValidator,
  type CreatedWorkflowView,
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

  @Delete(':id')
  @HttpCode(204)
  delete(@TenantId() tenantId: string, @Param('id') id: string): Promise<void> {
    return this.workflows.delete(tenantId, id);
  }
}
