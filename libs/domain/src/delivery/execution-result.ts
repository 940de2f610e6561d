import type { Attempt, ExecutionStatus, PendingDelivery, WorkflowExecuted } from '@app/contracts';

/** Where one step of an execution left it: what history records of it besides the execution itself. */
export interface ExecutionStep {
  workflowVersion: number;
  actionType: string;
  status: ExecutionStatus;
  attempts: Attempt[];
  reason?: string;
  nextAttemptAt?: string;
}

/**
 * The `workflow.executions` record of a step of an execution, finished at `finishedAt`: one shape
 * whether the step was an action done at once (a reply, a tag, a skip) or a delivery attempt.
 */
export function executionResultOf(
  execution: Pick<PendingDelivery, 'executionId' | 'trigger' | 'startedAt' | 'replay'>,
  step: ExecutionStep,
  finishedAt: Date,
): WorkflowExecuted {
  const { executionId, trigger, startedAt, replay } = execution;
  return {
    executionId,
    triggerId: trigger.triggerId,
    tenantId: trigger.tenantId,
    conversationId: trigger.conversationId,
    ...(trigger.contact ? { contactId: trigger.contact.id } : {}),
    workflowId: trigger.workflow.id,
    workflowVersion: step.workflowVersion,
    actionType: step.actionType,
    status: step.status,
    attempts: step.attempts,
    ...(step.reason !== undefined ? { reason: step.reason } : {}),
    ...(step.nextAttemptAt !== undefined ? { nextAttemptAt: step.nextAttemptAt } : {}),
    eventTime: trigger.event.time,
    startedAt,
    finishedAt: finishedAt.toISOString(),
    latencyMs: Math.max(0, finishedAt.getTime() - Date.parse(startedAt)),
    ...(replay !== undefined ? { replay } : {}),
    ...(trigger.preview ? { preview: true } : {}),
  };
}
