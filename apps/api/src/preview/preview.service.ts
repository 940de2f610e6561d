import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, IsNull } from 'typeorm';
import type { PreviewRequest, PreviewResponse } from '@app/contracts';
import { explainWorkflows, firedOf } from '@app/domain';
import { WorkflowEntity } from '../workflows/workflow.entity';

/**
 * Dry-run: which of the tenant's workflows (disabled ones included) would fire on each message,
 * and why — the same engine code as trigger-matcher, and nothing is executed or published.
 */
@Injectable()
export class PreviewService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async preview(tenantId: string, request: PreviewRequest): Promise<PreviewResponse> {
    const workflows = await this.dataSource.getRepository(WorkflowEntity).find({
      where: { tenantId, deletedAt: IsNull(), ...(request.workflowIds ? { id: In(request.workflowIds) } : {}) },
      order: { createdAt: 'ASC' },
    });
    const results = request.messages.map((message, index) => {
      const evaluations = explainWorkflows(workflows, {
        message: { role: message.role ?? 'contact', text: message.text },
        ai: message.ai,
        memory: request.memory,
        preview: request.preview,
      });
      const fired = firedOf(evaluations).map(({ workflow }) => workflow.id);
      return {
        index,
        text: message.text,
        fired,
        workflows: evaluations.map(({ workflow, outcome, match, conditions }) => ({
          workflowId: workflow.id,
          name: workflow.name,
          status: workflow.status,
          outcome,
          match,
          conditions,
        })),
      };
    });
    return { results };
  }
}
