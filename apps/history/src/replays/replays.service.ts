import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Topics, type ReplayRequested, type ReplayView, type ReplaysView } from '@app/contracts';
import { replayRefusal } from '@app/domain';
import { KAFKA_PRODUCER, jsonRecord, sendChunked, type Producer } from '@app/kafka';
import { executionReplaysRequested } from '@app/metrics';
import { ConflictError, NotFoundError } from '@app/platform';
import type { ExecutionEntity } from '../executions/execution.entity';
import { ExecutionsRepository } from '../executions/executions.repository';

/** Most executions one bulk replay request replays; `more` tells the caller to ask again. */
export const MAX_REPLAYS_PER_REQUEST = 500;

/**
 * Replays finished executions: each becomes a replay request on `workflow.replays`, which the
 * dispatcher turns into a new attempt series of the same execution. The rows stay locked while
 * the requests are published and the replay numbers recorded, so two requests cannot replay an
 * execution twice; if publishing fails nothing is recorded (the caller gets an error and may ask
 * again), and if recording fails after publishing, asking again publishes the same replay number,
 * which the receiver sees as a repeat of the same `webhook-id`.
 */
@Injectable()
export class ReplaysService {
  constructor(
    private readonly executions: ExecutionsRepository,
    @Inject(KAFKA_PRODUCER) private readonly producer: Producer,
  ) {}

  async replayOne(tenantId: string, executionId: string, force: boolean): Promise<ReplayView> {
    const replayed = await this.executions.inTransaction(async (manager) => {
      const execution = await this.executions.lockOne(manager, tenantId, executionId);
      if (!execution) throw new NotFoundError('execution', executionId);
      const refusal = replayRefusal(
        {
          status: execution.status,
          replay: execution.replay,
          replaysRequested: execution.replaysRequested,
          hasTrigger: execution.trigger !== null,
        },
        force,
      );
      if (refusal) throw new ConflictError(refusal.code, refusal.message, { status: execution.status });
      const [requested] = await this.request(manager, [execution]);
      return requested!;
    });
    executionReplaysRequested.inc({ request: 'one' });
    return replayed;
  }

  async replayFailures(tenantId: string, workflowId: string, since: Date, until: Date): Promise<ReplaysView> {
    if (!(await this.executions.hasWorkflow(tenantId, workflowId))) throw new NotFoundError('workflow', workflowId);
    const replayed = await this.executions.inTransaction(async (manager) => {
      const failures = await this.executions.lockFailuresToReplay(
        manager,
        { tenantId, workflowId, since, until },
        MAX_REPLAYS_PER_REQUEST + 1,
      );
      const items = await this.request(manager, failures.slice(0, MAX_REPLAYS_PER_REQUEST));
      return { items, more: failures.length > MAX_REPLAYS_PER_REQUEST };
    });
    executionReplaysRequested.inc({ request: 'bulk' }, replayed.items.length);
    return replayed;
  }

  private async request(manager: EntityManager, executions: ExecutionEntity[]): Promise<ReplayView[]> {
    const requestedAt = new Date().toISOString();
    const requests: ReplayRequested[] = executions.map((execution) => ({
      executionId: execution.executionId,
      replay: execution.replaysRequested + 1,
      trigger: execution.trigger!,
      requestedAt,
    }));
    await sendChunked(
      this.producer,
      requests.map((request) => jsonRecord(Topics.replayRequests.name, request.trigger.conversationId, request)),
    );
    for (const request of requests) {
      await this.executions.markReplayRequested(manager, request.executionId, request.replay);
    }
    return requests.map(({ executionId, replay }) => ({ executionId, replay }));
  }
}
