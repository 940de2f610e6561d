import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { PutWorkflowTestsRequest, WorkflowTestCase, WorkflowTestReport } from '@app/contracts';
import { runWorkflowTests, type IntentSemantics } from '@app/domain';
import { INTENT_VECTORS, type IntentVectors } from '@app/intent-model';
import { APP_CONFIG } from '@app/platform';
import type { ApiConfig } from '../config';
import { toDefinition } from './definitions.publisher';
import { WorkflowTestsEntity, type WorkflowEntity } from './workflow.entity';

/** A workflow's saved test cases: stored per workflow, run with the engine's own code. */
@Injectable()
export class WorkflowTestsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(INTENT_VECTORS) private readonly intentVectors: IntentVectors | null,
    @Inject(APP_CONFIG) private readonly config: ApiConfig,
  ) {}

  /** One statement (an upsert): two first saves at once must not both try to insert the row. */
  async replace(workflowId: string, request: PutWorkflowTestsRequest): Promise<WorkflowTestCase[]> {
    await this.dataSource.query(
      `INSERT INTO workflow_tests (workflow_id, cases, updated_at) VALUES ($1, $2, now())
       ON CONFLICT (workflow_id) DO UPDATE SET cases = EXCLUDED.cases, updated_at = now()`,
      [workflowId, JSON.stringify(request.cases)],
    );
    return request.cases;
  }

  async cases(workflowId: string, manager: EntityManager = this.dataSource.manager): Promise<WorkflowTestCase[]> {
    return (await manager.findOneBy(WorkflowTestsEntity, { workflowId }))?.cases ?? [];
  }

  async run(entity: WorkflowEntity, manager: EntityManager = this.dataSource.manager): Promise<WorkflowTestReport> {
    const workflow = toDefinition(entity);
    const cases = await this.cases(workflow.id, manager);
    const contactTexts = cases.flatMap(({ messages }) =>
      messages.filter(({ role }) => (role ?? 'contact') === 'contact').map(({ text }) => text),
    );
    const semantics = this.intentVectors
      ? await this.intentVectors.semanticsByText(contactTexts, await this.intentVectors.phraseVectorsOf([workflow]))
      : new Map<string, IntentSemantics>();
    const results = runWorkflowTests(workflow, cases, {
      maxPerMinute: this.config.MAX_FIRINGS_PER_CONVERSATION_PER_MINUTE,
      semanticsOf: (text) => semantics.get(text),
    });
    const passed = results.filter((result) => result.passed).length;
    return {
      workflowId: workflow.id,
      version: workflow.version,
      passed,
      failed: results.length - passed,
      cases: results,
    };
  }
}
