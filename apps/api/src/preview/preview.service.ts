import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, IsNull } from 'typeorm';
import type { PreviewRequest, PreviewResponse } from '@app/contracts';
import { explainWorkflows, firedOf, unsureIntents } from '@app/domain';
import { INTENT_VECTORS, type IntentVectors } from '@app/intent-model';
import { APP_CONFIG, NotFoundError } from '@app/platform';
import type { ApiConfig } from '../config';
import { WorkflowEntity } from '../workflows/workflow.entity';

/**
 * Dry-run: which of the tenant's workflows (disabled ones included) would fire on each message,
 * and why — the same engine code as trigger-matcher, and nothing is executed or published — and
 * whether intent matching is unsure of it (what a decision provider would then be asked about).
 */
@Injectable()
export class PreviewService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(INTENT_VECTORS) private readonly intentVectors: IntentVectors | null,
    @Inject(APP_CONFIG) private readonly config: ApiConfig,
  ) {}

  async preview(tenantId: string, request: PreviewRequest): Promise<PreviewResponse> {
    const workflows = await this.dataSource.getRepository(WorkflowEntity).find({
      where: { tenantId, deletedAt: IsNull(), ...(request.workflowIds ? { id: In(request.workflowIds) } : {}) },
      order: { createdAt: 'ASC' },
    });
    // A named workflow that is not the tenant's (another tenant's, deleted, unknown) is missing.
    const missing = request.workflowIds?.find((id) => !workflows.some((workflow) => workflow.id === id));
    if (missing !== undefined) throw new NotFoundError('workflow', missing);
    const results = [];
    for (const [index, message] of request.messages.entries()) {
      const role = message.role ?? 'contact';
      const evaluations = explainWorkflows(workflows, {
        message: { role, text: message.text },
        ai: message.ai,
        memory: request.memory,
        preview: request.preview,
        ...(this.intentVectors && role === 'contact'
          ? { semantics: await this.intentVectors.semanticsFor(message.text, workflows) }
          : {}),
      });
      const fired = firedOf(evaluations).map(({ workflow }) => workflow.id);
      const unsure = unsureIntents(evaluations, this.config.DECISION_PROVIDER_UNSURE_MARGIN);
      results.push({
        index,
        text: message.text,
        fired,
        ...(unsure ? { unsure: unsure.map(({ id }) => id) } : {}),
        workflows: evaluations.map(({ workflow, outcome, match, conditions }) => ({
          workflowId: workflow.id,
          name: workflow.name,
          status: workflow.status,
          outcome,
          match,
          conditions,
        })),
      });
    }
    return { results };
  }
}
