import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, IsNull } from 'typeorm';
import { canonicalUuid, type PreviewRequest, type PreviewResponse } from '@app/contracts';
import {
  firingOutcomeOf,
  judgeConversation,
  sampleConversationEvents,
  unsureIntents,
  type IntentSemantics,
} from '@app/domain';
import { INTENT_VECTORS, type IntentVectors } from '@app/intent-model';
import { APP_CONFIG, NotFoundError } from '@app/platform';
import type { ApiConfig } from '../config';
import { toDefinition } from '../workflows/definitions.publisher';
import { WorkflowEntity } from '../workflows/workflow.entity';

/**
 * Dry-run: which of the tenant's workflows (disabled ones included) would fire on each message of
 * a conversation, and on its end, and why — the same engine code as trigger-matcher
 * (`judgeConversation`: state, triggers, firing policies), and nothing is executed or published —
 * and whether intent matching is unsure of a message (what a decision provider would then be asked
 * about).
 */
@Injectable()
export class PreviewService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(INTENT_VECTORS) private readonly intentVectors: IntentVectors | null,
    @Inject(APP_CONFIG) private readonly config: ApiConfig,
  ) {}

  async preview(tenantId: string, request: PreviewRequest): Promise<PreviewResponse> {
    const workflowIds = request.workflowIds?.map(canonicalUuid);
    const workflows = (
      await this.dataSource.getRepository(WorkflowEntity).find({
        where: { tenantId, deletedAt: IsNull(), ...(workflowIds ? { id: In(workflowIds) } : {}) },
        order: { createdAt: 'ASC' },
      })
    ).map(toDefinition);
    // A named workflow that is not the tenant's (another tenant's, deleted, unknown) is missing.
    const missing = workflowIds?.find((id) => !workflows.some((workflow) => workflow.id === id));
    if (missing !== undefined) throw new NotFoundError('workflow', missing);
    const contactTexts = request.messages
      .filter(({ role }) => (role ?? 'contact') === 'contact')
      .map(({ text }) => text);
    const semantics = this.intentVectors
      ? await this.intentVectors.semanticsByText(contactTexts, await this.intentVectors.phraseVectorsOf(workflows))
      : new Map<string, IntentSemantics>();
    const judgements = judgeConversation(workflows, sampleConversationEvents(request), {
      maxPerMinute: this.config.MAX_FIRINGS_PER_CONVERSATION_PER_MINUTE,
      semanticsOf: (text) => semantics.get(text),
      memory: request.memory,
    });
    // One judgement per event: the messages in order, then the end.
    const results = judgements.map((judgement, index) => {
      const message = request.messages[index];
      const unsure = unsureIntents(judgement.evaluations, this.config.DECISION_PROVIDER_UNSURE_MARGIN, request);
      return {
        index,
        ...(message ? { event: 'message' as const, text: message.text } : { event: 'end' as const }),
        fired: judgement.decision.fire.map(({ workflow }) => workflow.id),
        ...(unsure ? { unsure: unsure.map(({ id }) => id) } : {}),
        workflows: judgement.evaluations.map((evaluation) => ({
          workflowId: evaluation.workflow.id,
          name: evaluation.workflow.name,
          status: evaluation.workflow.status,
          ...firingOutcomeOf(judgement, evaluation),
          match: evaluation.match,
          conditions: evaluation.conditions,
        })),
      };
    });
    return { results };
  }
}
