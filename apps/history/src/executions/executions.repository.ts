import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { deleteInChunks, roundsOfDistinct } from '@app/database';
import type { ExecutionStatus, WorkflowExecuted } from '@app/contracts';
import { failureCause, type ExecutionCursor } from '@app/domain';
import { ExecutionEntity } from './execution.entity';

/** Which executions of a tenant a page of the log shows; every field narrows it. */
export interface ExecutionFilter {
  workflowId?: string;
  status?: ExecutionStatus;
  conversationId?: string;
  contactId?: string;
  /** Executions that started at or after this time. */
  from?: Date;
  /** Executions that started before this time. */
  to?: Date;
}

/** A workflow's executions that started in a period, summarised. */
export interface ExecutionStats {
  executions: number;
  succeeded: number;
  failed: number;
  skipped: number;
  inProgress: number;
  failuresByCause: { cause: string; count: number }[];
  /** Over finished (succeeded or failed) executions; null when there is none. */
  latencyMs: { p50: number; p95: number; p99: number } | null;
  /** Attempts beyond the first of each series, and how many executions needed any. */
  retries: number;
  retriedExecutions: number;
}

@Injectable()
export class ExecutionsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Stores a batch of results as if one after another, in one transaction: each statement takes
   * at most one result per execution (ON CONFLICT cannot update a row twice), so results of one
   * execution later in the batch go in later statements, in their order.
   *
   * Idempotent: a replayed result overwrites its own row instead of adding a second one. A result
   * of a later replay series moves the attempts so far to `previous_attempts`; a result of an
   * earlier series than the row's, or of the same series with fewer attempts (a redelivered
   * record), changes nothing: a final status is never undone by an older one. The trigger, once kept,
   * stays, and `started_at` stays the first series' start.
   */
  async upsertAll(executions: readonly WorkflowExecuted[]): Promise<void> {
    if (executions.length === 0) return;
    await this.dataSource.transaction(async (manager) => {
      for (const round of roundsOfDistinct(executions, (execution) => execution.executionId)) {
        for (let start = 0; start < round.length; start += UPSERT_ROWS_PER_STATEMENT) {
          const rows = round.slice(start, start + UPSERT_ROWS_PER_STATEMENT);
          await manager.query(upsertStatement(rows.length), rows.flatMap(upsertParameters));
        }
      }
    });
  }

  /** A page of the tenant's execution log, newest first, after `cursor` (keyset pagination). */
  list(tenantId: string, filter: ExecutionFilter, limit: number, after?: ExecutionCursor): Promise<ExecutionEntity[]> {
    const query = this.dataSource
      .getRepository(ExecutionEntity)
      .createQueryBuilder('execution')
      .where('execution.tenant_id = :tenantId', { tenantId });
    if (filter.workflowId) query.andWhere('execution.workflow_id = :workflowId', filter);
    if (filter.status) query.andWhere('execution.status = :status', filter);
    if (filter.conversationId) query.andWhere('execution.conversation_id = :conversationId', filter);
    if (filter.contactId) query.andWhere('execution.contact_id = :contactId', filter);
    if (filter.from) query.andWhere('execution.started_at >= :from', filter);
    if (filter.to) query.andWhere('execution.started_at < :to', filter);
    if (after) {
      query.andWhere(
        '(execution.started_at < :afterTime OR (execution.started_at = :afterTime AND execution.execution_id > :afterId))',
        { afterTime: after.startedAt, afterId: after.executionId },
      );
    }
    return query
      .orderBy('execution.started_at', 'DESC')
      .addOrderBy('execution.execution_id', 'ASC')
      .limit(limit)
      .getMany();
  }

  /**
   * The workflow's executions that started in [from, to), summarised in one statement. The
   * percentiles are Postgres's `percentile_cont` (linear interpolation), computed where the rows are.
   */
  async stats(tenantId: string, workflowId: string, from: Date, to: Date): Promise<ExecutionStats> {
    const window = [tenantId, workflowId, from, to];
    const [totals]: {
      executions: string;
      succeeded: string;
      failed: string;
      skipped: string;
      in_progress: string;
      latency: number[] | null;
      retries: string;
      retried_executions: string;
    }[] = await this.dataSource.query(
      `SELECT count(*) AS executions,
         count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
         count(*) FILTER (WHERE status = 'failed') AS failed,
         count(*) FILTER (WHERE status = 'skipped') AS skipped,
         count(*) FILTER (WHERE status IN ('retrying', 'circuit_open')) AS in_progress,
         percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY latency_ms)
           FILTER (WHERE status IN ('succeeded', 'failed')) AS latency,
         coalesce(sum(greatest(attempt_count - 1, 0)), 0) AS retries,
         count(*) FILTER (WHERE attempt_count > 1) AS retried_executions
       FROM executions
       WHERE tenant_id = $1 AND workflow_id = $2 AND started_at >= $3 AND started_at < $4`,
      window,
    );
    const causes: { cause: string; count: string }[] = await this.dataSource.query(
      `SELECT cause, count(*) AS count FROM executions
       WHERE tenant_id = $1 AND workflow_id = $2 AND started_at >= $3 AND started_at < $4 AND cause IS NOT NULL
       GROUP BY cause ORDER BY count(*) DESC, cause`,
      window,
    );
    const latency = totals!.latency;
    return {
      executions: Number(totals!.executions),
      succeeded: Number(totals!.succeeded),
      failed: Number(totals!.failed),
      skipped: Number(totals!.skipped),
      inProgress: Number(totals!.in_progress),
      failuresByCause: causes.map((row) => ({ cause: row.cause, count: Number(row.count) })),
      latencyMs: latency ? { p50: latency[0]!, p95: latency[1]!, p99: latency[2]! } : null,
      retries: Number(totals!.retries),
      retriedExecutions: Number(totals!.retried_executions),
    };
  }

  /** Deletes executions that started more than `days` ago, in short chunks; returns how many. */
  async forgetOlderThan(days: number): Promise<number> {
    return deleteInChunks(this.dataSource, 'executions', `started_at < now() - make_interval(days => $1)`, days);
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
   * The workflow's failed or skipped executions that started in [since, until), can be replayed and
   * are not being replayed, oldest first, at most `limit`; locked (rows other requests hold are skipped).
   */
  lockFailuresToReplay(
    manager: EntityManager,
    window: { tenantId: string; workflowId: string; since: Date; until: Date },
    limit: number,
  ): Promise<ExecutionEntity[]> {
    return (
      manager
        .getRepository(ExecutionEntity)
        .createQueryBuilder('execution')
        .where('execution.tenant_id = :tenantId AND execution.workflow_id = :workflowId', window)
        .andWhere('execution.started_at >= :since AND execution.started_at < :until', window)
        // Skipped ones too: an endpoint disabled meanwhile is the usual reason to replay in bulk.
        .andWhere(`execution.status IN ('failed', 'skipped') AND execution.trigger IS NOT NULL`)
        .andWhere('execution.replays_requested = execution.replay')
        .orderBy('execution.started_at', 'ASC')
        .addOrderBy('execution.execution_id', 'ASC')
        .limit(limit)
        .setLock('pessimistic_write')
        .setOnLocked('skip_locked')
        .getMany()
    );
  }

  async markReplayRequested(manager: EntityManager, executionId: string, replay: number): Promise<void> {
    await manager.query('UPDATE executions SET replays_requested = $1 WHERE execution_id = $2', [replay, executionId]);
  }
}

/** Parameters per upserted row; PostgreSQL takes at most 65,535 in one statement. */
const UPSERT_PARAMETERS = 19;
const UPSERT_ROWS_PER_STATEMENT = 1_000;

/** The values of one result, in the order of `upsertStatement`'s columns (replay is used twice). */
function upsertParameters(execution: WorkflowExecuted): unknown[] {
  return [
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
    execution.replay ?? 0,
    execution.contactId ?? null,
    failureCause(execution),
  ];
}

function upsertStatement(rows: number): string {
  const values = Array.from({ length: rows }, (_, row) => {
    const $ = (n: number) => `$${row * UPSERT_PARAMETERS + n}`;
    // replays_requested starts at the row's own replay: $17 twice.
    const columns = [...Array.from({ length: 17 }, (_, i) => $(i + 1)), $(17), $(18), $(19)];
    return `(${columns.join(', ')})`;
  });
  return `INSERT INTO executions (execution_id, trigger_id, tenant_id, workflow_id, workflow_version, conversation_id,
       action_type, status, reason, attempts, attempt_count, latency_ms, event_time, started_at, finished_at,
       trigger, replay, replays_requested, contact_id, cause)
     VALUES ${values.join(',\n       ')}
     ON CONFLICT (execution_id) DO UPDATE SET
       workflow_version = EXCLUDED.workflow_version,
       action_type = EXCLUDED.action_type,
       status = EXCLUDED.status,
       reason = EXCLUDED.reason,
       cause = EXCLUDED.cause,
       contact_id = COALESCE(EXCLUDED.contact_id, executions.contact_id),
       previous_attempts = CASE WHEN EXCLUDED.replay > executions.replay
         THEN executions.previous_attempts || executions.attempts ELSE executions.previous_attempts END,
       attempts = EXCLUDED.attempts,
       attempt_count = EXCLUDED.attempt_count,
       latency_ms = EXCLUDED.latency_ms,
       finished_at = EXCLUDED.finished_at,
       trigger = COALESCE(EXCLUDED.trigger, executions.trigger),
       replay = EXCLUDED.replay,
       replays_requested = GREATEST(executions.replays_requested, EXCLUDED.replay)
     WHERE EXCLUDED.replay > executions.replay
       OR (EXCLUDED.replay = executions.replay AND EXCLUDED.attempt_count >= executions.attempt_count)`;
}
