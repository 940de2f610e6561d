import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { WorkflowExecuted } from '@app/contracts';
import { ExecutionEntity } from './execution.entity';

@Injectable()
export class ExecutionsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Idempotent: a replayed result overwrites its own row instead of adding a second one. A result
   * of a later replay series moves the attempts so far to `previous_attempts`; a result of an
   * earlier series than the row's (a redelivered record) changes nothing. The trigger, once kept,
   * stays, and `started_at` stays the first series' start.
   */
  async upsert(execution: WorkflowExecuted): Promise<void> {
    const replay = execution.replay ?? 0;
    await this.dataSource.query(
      `INSERT INTO executions (execution_id, trigger_id, tenant_id, workflow_id, workflow_version, conversation_id,
         action_type, status, reason, attempts, attempt_count, latency_ms, event_time, started_at, finished_at,
         trigger, replay, replays_requested)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)
       ON CONFLICT (execution_id) DO UPDATE SET
         workflow_version = EXCLUDED.workflow_version,
         action_type = EXCLUDED.action_type,
         status = EXCLUDED.status,
         reason = EXCLUDED.reason,
         previous_attempts = CASE WHEN EXCLUDED.replay > executions.replay
           THEN executions.previous_attempts || executions.attempts ELSE executions.previous_attempts END,
         attempts = EXCLUDED.attempts,
         attempt_count = EXCLUDED.attempt_count,
         latency_ms = EXCLUDED.latency_ms,
         finished_at = EXCLUDED.finished_at,
         trigger = COALESCE(EXCLUDED.trigger, executions.trigger),
         replay = EXCLUDED.replay,
         replays_requested = GREATEST(executions.replays_requested, EXCLUDED.replay)
       WHERE EXCLUDED.replay >= executions.replay`,
      [
        execution.executionId,
        execution.triggerId,
        execution.tenantId,
        execution.workflowId,
        execution.workflowVersion,
        execution.conversationId,
        execution.actionType,
        execution.status,
        execution.reason ?? null,
        JSON.stringify(execution.attempts),
        execution.attempts.length,
        execution.latencyMs,
        execution.eventTime,
        execution.startedAt,
        execution.finishedAt,
        execution.trigger ? JSON.stringify(execution.trigger) : null,
        replay,
      ],
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

  /** Whether the tenant has any execution of the workflow (history knows workflows only by their executions). */
  hasWorkflow(tenantId: string, workflowId: string): Promise<boolean> {
    return this.dataSource.getRepository(ExecutionEntity).existsBy({ tenantId, workflowId });
  }

  /** Runs `work` in one database transaction: rows locked in it stay locked until it ends. */
  inTransaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** The execution, locked until the transaction ends, so that two requests cannot both replay it. */
  lockOne(manager: EntityManager, tenantId: string, executionId: string): Promise<ExecutionEntity | null> {
    return manager
      .getRepository(ExecutionEntity)
      .createQueryBuilder('execution')
      .where('execution.tenant_id = :tenantId AND execution.execution_id = :executionId', { tenantId, executionId })
      .setLock('pessimistic_write')
      .getOne();
  }

  /**
   * The workflow's failed executions that started in [since, until), can be replayed and are not
   * being replayed, oldest first, at most `limit`; locked (rows other requests hold are skipped).
   */
  lockFailuresToReplay(
    manager: EntityManager,
    window: { tenantId: string; workflowId: string; since: Date; until: Date },
    limit: number,
  ): Promise<ExecutionEntity[]> {
    return manager
      .getRepository(ExecutionEntity)
      .createQueryBuilder('execution')
      .where('execution.tenant_id = :tenantId AND execution.workflow_id = :workflowId', window)
      .andWhere('execution.started_at >= :since AND execution.started_at < :until', window)
      .andWhere(`execution.status = 'failed' AND execution.trigger IS NOT NULL`)
      .andWhere('execution.replays_requested = execution.replay')
      .orderBy('execution.started_at', 'ASC')
      .addOrderBy('execution.execution_id', 'ASC')
      .limit(limit)
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .getMany();
  }

  async markReplayRequested(manager: EntityManager, executionId: string, replay: number): Promise<void> {
    await manager.query('UPDATE executions SET replays_requested = $1 WHERE execution_id = $2', [replay, executionId]);
  }
}
