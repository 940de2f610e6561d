import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { WorkflowExecuted } from '@app/contracts';
import { ExecutionEntity } from './execution.entity';

@Injectable()
export class ExecutionsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Idempotent: a replayed result overwrites its own row instead of adding a second one. */
  async upsert(execution: WorkflowExecuted): Promise<void> {
    await this.dataSource.getRepository(ExecutionEntity).upsert(
      {
        executionId: execution.executionId,
        triggerId: execution.triggerId,
        tenantId: execution.tenantId,
        workflowId: execution.workflowId,
        workflowVersion: execution.workflowVersion,
        conversationId: execution.conversationId,
        actionType: execution.actionType,
        status: execution.status,
        reason: execution.reason ?? null,
        attempts: execution.attempts,
        attemptCount: execution.attempts.length,
        latencyMs: execution.latencyMs,
        eventTime: new Date(execution.eventTime),
        startedAt: new Date(execution.startedAt),
        finishedAt: new Date(execution.finishedAt),
      },
      ['executionId'],
    );
  }

  listForWorkflow(tenantId: string, workflowId: string, limit: number): Promise<ExecutionEntity[]> {
    return this.dataSource.getRepository(ExecutionEntity).find({
      where: { tenantId, workflowId },
      order: { startedAt: 'DESC', executionId: 'ASC' },
      take: limit,
    });
  }

  findOne(tenantId: string, executionId: string): Promise<ExecutionEntity | null> {
    return this.dataSource.getRepository(ExecutionEntity).findOneBy({ tenantId, executionId });
  }
}
