import { Injectable } from '@nestjs/common';
import { Topics, workflowTriggeredValidator, type PendingDelivery } from '@app/contracts';
import { executionIdOf } from '@app/domain';
import { jsonRecord, processEach, type ConsumedBatch, type OutboundRecord } from '@app/kafka';

/**
 * Workflow triggers → executions due now in the delivery schedule. The trigger's offset commits in
 * the same transaction as the scheduled execution, so every trigger is scheduled exactly once;
 * the `DeliveryScheduler` attempts it from there, and retries it, durably.
 */
@Injectable()
export class DispatchService {
  dispatch(batch: ConsumedBatch): Promise<OutboundRecord[]> {
    return processEach(batch, workflowTriggeredValidator, 'action-dispatcher', (trigger) => {
      const executionId = executionIdOf(trigger.triggerId);
      const now = new Date().toISOString();
      const pending: PendingDelivery = { executionId, trigger, attempts: [], dueAt: now, startedAt: now };
      return [jsonRecord(Topics.pendingDeliveries.name, executionId, pending)];
    });
  }
}
