import { Inject, Injectable } from '@nestjs/common';
import {
  Topics,
  replayRequestedValidator,
  workflowTriggeredValidator,
  type PendingDelivery,
  type ReplayRequested,
  type WorkflowExecuted,
  type WorkflowTriggered,
} from '@app/contracts';
import { executionIdOf, executionResultOf, planAction, runsOn } from '@app/domain';
import { jsonRecord, processEach, type ConsumedBatch, type OutboundRecord } from '@app/kafka';
import { recordExecutionFinished } from '@app/metrics';
import { APP_CONFIG, WORKFLOW_DEFINITIONS, type WorkflowDefinitions } from '@app/platform';
import type { ActionDispatcherConfig } from '../config';
import { DeliveryScheduler, scheduleRecord } from '../delivery/delivery-scheduler';
import { InlineDeliveries } from '../delivery/inline-deliveries';

/** The definitions view has not yet seen the version a trigger refers to: retry the batch shortly. */
export class DefinitionNotYetKnown extends Error {
  constructor(workflowId: string, version: number) {
    super(`workflow ${workflowId} version ${version} is not in the definitions view yet`);
    this.name = 'DefinitionNotYetKnown';
  }
}

/**
 * Workflow triggers → what each execution does at once (replies, hand-offs and tags for the
 * platform, signals, contact-memory updates) and, for actions that call an endpoint, the first
 * attempt made at once (`InlineDeliveries`) or an execution due now in the delivery schedule.
 * All of it commits in the trigger's Kafka transaction, so it happens exactly once; the
 * `DeliveryScheduler` makes the other attempts from the schedule, durably.
 */
@Injectable()
export class DispatchService {
  constructor(
    @Inject(WORKFLOW_DEFINITIONS) private readonly definitions: WorkflowDefinitions,
    @Inject(APP_CONFIG) private readonly config: ActionDispatcherConfig,
    private readonly scheduler: DeliveryScheduler,
  ) {}

  async dispatch(batch: ConsumedBatch): Promise<OutboundRecord[]> {
    const inline = new InlineDeliveries(this.scheduler, batch, this.config.WEBHOOK_INLINE_WAIT_MS);
    const finished: WorkflowExecuted[] = [];
    const records = await processEach(batch, workflowTriggeredValidator, 'action-dispatcher', (trigger) =>
      this.execute(trigger, inline, finished),
    );
    // Counted once committed: a batch that fails midway (a trigger whose workflow version is not
    // in the view yet, a lost commit) is processed again, and would count its executions twice.
    batch.afterCommit(() => finished.forEach(recordExecutionFinished));
    // Only once every trigger of the batch was processed: a batch that fails midway makes no attempt.
    // The attempts' records come with the commit; the consumer takes the next batch meanwhile.
    batch.publishLater(inline.settle());
    return records;
  }

  /** Replay requests → a new attempt series of each execution, due now, in the request's transaction. */
  replay(batch: ConsumedBatch): Promise<OutboundRecord[]> {
    return processEach(batch, replayRequestedValidator, 'action-dispatcher', (request) => [
      scheduleRecord(this.replaySeries(request)),
    ]);
  }

  /**
   * Only the delivery is made again: replies, tags and memory updates already happened once, in
   * the conversation's time. The scheduler plans the delivery with the workflow's current
   * definition (its URL and secret now) and skips it when the workflow no longer runs.
   */
  private replaySeries(request: ReplayRequested): PendingDelivery {
    const now = new Date().toISOString();
    return {
      executionId: request.executionId,
      trigger: request.trigger,
      attempts: [],
      dueAt: now,
      startedAt: now,
      replay: request.replay,
    };
  }

  private execute(
    trigger: WorkflowTriggered,
    inline: InlineDeliveries,
    finished: WorkflowExecuted[],
  ): OutboundRecord[] {
    const executionId = executionIdOf(trigger.triggerId);
    const now = new Date();
    const definition = this.definitions.get(trigger.workflow.id);
    if (definition && definition.version < trigger.workflow.version) {
      throw new DefinitionNotYetKnown(trigger.workflow.id, trigger.workflow.version);
    }
    const startedAt = now.toISOString();
    const result = (status: 'succeeded' | 'skipped', reason?: string): OutboundRecord => {
      const step = {
        workflowVersion: definition?.version ?? trigger.workflow.version,
        actionType: definition?.action.type ?? 'unknown',
        status,
        attempts: [],
        ...(reason ? { reason } : {}),
      };
      const executed = executionResultOf({ executionId, trigger, startedAt }, step, new Date());
      finished.push(executed);
      return jsonRecord(Topics.workflowExecutions.name, trigger.conversationId, executed);
    };
    // Disabled since the decision, or a draft: drafts act only in preview conversations.
    if (!definition || !runsOn(definition.status, trigger)) {
      return [result('skipped', definition ? 'workflow is disabled' : 'workflow was deleted')];
    }
    const plan = planAction({ definition, trigger, executionId, now });
    const records: OutboundRecord[] = [
      ...plan.instructions.map((instruction) =>
        jsonRecord(Topics.conversationActions.name, trigger.conversationId, instruction),
      ),
      ...plan.signals.map((signal) => jsonRecord(Topics.conversationSignals.name, trigger.conversationId, signal)),
      ...plan.memoryEvents.map((event) => jsonRecord(Topics.conversationEvents.name, trigger.conversationId, event)),
    ];
    if (!plan.delivery) return [...records, result('succeeded')];
    const pending: PendingDelivery = {
      executionId,
      trigger,
      attempts: [],
      dueAt: startedAt,
      startedAt,
    };
    return inline.offer(pending) ? records : [...records, scheduleRecord(pending)];
  }
}
