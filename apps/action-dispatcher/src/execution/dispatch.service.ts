import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Topics, workflowTriggeredValidator, type WorkflowExecuted, type WorkflowTriggered } from '@app/contracts';
import { listOf } from '@app/config';
import { OutboundAddressPolicy, executionIdOf, runsOn } from '@app/domain';
import { jsonRecord, processEach, type ConsumedBatch, type OutboundRecord } from '@app/kafka';
import { actionDeliveryDuration, workflowExecutions } from '@app/metrics';
import { APP_CONFIG, WORKFLOW_DEFINITIONS, type WorkflowDefinitions } from '@app/platform';
import type { ActionDispatcherConfig } from '../config';
import { GuardedHttpClient } from '@app/http';
import { WebhookSender } from '../delivery/webhook.sender';

/** The definitions view has not yet seen the version a trigger refers to: retry the batch shortly. */
export class DefinitionNotYetKnown extends Error {
  constructor(workflowId: string, version: number) {
    super(`workflow ${workflowId} version ${version} is not in the definitions view yet`);
    this.name = 'DefinitionNotYetKnown';
  }
}

/** Workflow triggers → executed actions → execution results for history and analytics. */
@Injectable()
export class DispatchService implements OnApplicationShutdown {
  private readonly http: GuardedHttpClient;
  private readonly webhooks: WebhookSender;

  constructor(
    @Inject(WORKFLOW_DEFINITIONS) private readonly definitions: WorkflowDefinitions,
    @Inject(APP_CONFIG) config: ActionDispatcherConfig,
  ) {
    this.http = new GuardedHttpClient(new OutboundAddressPolicy(listOf(config.OUTBOUND_ALLOWED_CIDRS)), {
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      connectTimeoutMs: config.WEBHOOK_CONNECT_TIMEOUT_MS,
    });
    this.webhooks = new WebhookSender(this.http);
  }

  dispatch(batch: ConsumedBatch): Promise<OutboundRecord[]> {
    return processEach(batch, workflowTriggeredValidator, 'action-dispatcher', async (trigger) => [
      jsonRecord(Topics.workflowExecutions.name, trigger.conversationId, await this.execute(trigger)),
    ]);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.http.close();
  }

  private async execute(trigger: WorkflowTriggered): Promise<WorkflowExecuted> {
    const executionId = executionIdOf(trigger.triggerId);
    const startedAt = new Date();
    const definition = this.definitions.get(trigger.workflow.id);
    const base = {
      executionId,
      triggerId: trigger.triggerId,
      tenantId: trigger.tenantId,
      conversationId: trigger.conversationId,
      workflowId: trigger.workflow.id,
      eventTime: trigger.event.time,
      startedAt: startedAt.toISOString(),
    };
    // Disabled since the decision, or a draft: drafts act only in preview conversations.
    if (!definition || !runsOn(definition.status, trigger)) {
      return this.finish(
        {
          ...base,
          workflowVersion: definition?.version ?? trigger.workflow.version,
          actionType: definition?.action.type ?? 'unknown',
          status: 'skipped',
          attempts: [],
          reason: definition ? 'workflow is disabled' : 'workflow was deleted',
        },
        startedAt,
      );
    }
    if (definition.version < trigger.workflow.version) {
      throw new DefinitionNotYetKnown(trigger.workflow.id, trigger.workflow.version);
    }
    const outcome = await this.webhooks.send(definition.action, definition.signingSecret, trigger, executionId, 1);
    actionDeliveryDuration.observe(
      { action_type: definition.action.type, outcome: outcome.succeeded ? 'succeeded' : 'failed' },
      outcome.attempt.durationMs / 1000,
    );
    return this.finish(
      {
        ...base,
        workflowVersion: definition.version,
        actionType: definition.action.type,
        status: outcome.succeeded ? 'succeeded' : 'failed',
        attempts: [outcome.attempt],
        ...(outcome.attempt.error ? { reason: outcome.attempt.error } : {}),
      },
      startedAt,
    );
  }

  private finish(result: Omit<WorkflowExecuted, 'finishedAt' | 'latencyMs'>, startedAt: Date): WorkflowExecuted {
    const finishedAt = new Date();
    workflowExecutions.inc({ action_type: result.actionType, outcome: result.status });
    return { ...result, finishedAt: finishedAt.toISOString(), latencyMs: finishedAt.getTime() - startedAt.getTime() };
  }
}
