import { setTimeout as delay } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import {
  canonicalUuid,
  isUuid,
  type TestDeliveryRequest,
  type TestDeliveryView,
  type WorkflowDefinition,
} from '@app/contracts';
import { planAction, testDeliveryTrigger } from '@app/domain';
import type { GuardedHttpClient } from '@app/http';
import {
  APP_CONFIG,
  APP_LOGGER,
  ConflictError,
  NotFoundError,
  WORKFLOW_DEFINITIONS,
  type WorkflowDefinitions,
} from '@app/platform';
import type { ActionDispatcherConfig } from '../config';
import { webhookSenderFrom, type WebhookSender } from '../delivery/webhook.sender';

/** How long a test delivery waits for the definitions view to read up to date before it uses what it has. */
const CATCH_UP_TIMEOUT_MS = 3_000;

/**
 * Test deliveries: one attempt to a workflow's endpoint with a sample trigger, made while the
 * author waits, as a webhook service's "send example" does — to see that the URL answers and the
 * signature verifies, and to give Zapier or Make a sample to map. It goes through the same
 * sender as executions (signing, SSRF guard, timeouts, payload limit) but is no execution: not
 * recorded, retried, counted in delivery metrics, or held back by the endpoint's circuit,
 * disabling or rate limit; one at a time per workflow. A draft or disabled workflow can be tried too.
 */
@Injectable()
export class TestDeliveryService implements BeforeApplicationShutdown {
  private readonly http: GuardedHttpClient;
  private readonly webhooks: WebhookSender;
  /** Workflows with a test delivery waiting for its endpoint. */
  private readonly inFlight = new Set<string>();

  constructor(
    @Inject(WORKFLOW_DEFINITIONS) private readonly definitions: WorkflowDefinitions,
    @Inject(APP_CONFIG) config: ActionDispatcherConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {
    ({ http: this.http, webhooks: this.webhooks } = webhookSenderFrom(config));
  }

  async send(tenantId: string, workflowId: string, sample: TestDeliveryRequest): Promise<TestDeliveryView> {
    // As its other ids: a workflow of another tenant is not found.
    const definition = isUuid(workflowId) ? await this.latestDefinition(canonicalUuid(workflowId)) : undefined;
    if (!definition || definition.tenantId !== tenantId) throw new NotFoundError('workflow', workflowId);
    const id = randomUUID();
    const now = new Date();
    const trigger = testDeliveryTrigger(definition, sample, id, now);
    const webhookId = `test-${id}`;
    const target = planAction({ definition, trigger, executionId: webhookId, now }).delivery;
    if (!target) {
      const { type } = definition.action;
      throw new ConflictError('no_endpoint', `the workflow's ${type} action calls no endpoint: nothing to test`, {
        actionType: type,
      });
    }
    // One at a time per workflow: authors test, nobody load-tests an endpoint through the dispatcher.
    if (this.inFlight.has(definition.id)) {
      throw new ConflictError(
        'test_delivery_in_progress',
        'a test delivery of this workflow is still waiting for its endpoint; try again when it has answered',
        { workflowId: definition.id },
      );
    }
    this.inFlight.add(definition.id);
    try {
      const sent = await this.webhooks.send(target, definition, trigger, webhookId, 1);
      const { statusCode } = sent.attempt;
      this.logger.info(
        { tenantId, workflowId: definition.id, webhookId, statusCode, delivered: sent.succeeded },
        'test delivery sent',
      );
      return {
        workflowId: definition.id,
        workflowVersion: definition.version,
        url: target.url,
        webhookId,
        ...('sentPayload' in sent ? { payload: sent.sentPayload } : {}),
        delivered: sent.succeeded,
        attempt: sent.attempt,
        ...(sent.succeeded ? { responseBody: sent.shownResponse() } : {}),
      };
    } finally {
      this.inFlight.delete(definition.id);
    }
  }

  /**
   * The workflow as last published. Authors try a workflow right after saving it: the view is
   * read up to what the workflow's partition holds now, so that a workflow just created is found
   * and one just changed is tried at its new version (its new URL), not the one read before.
   */
  private async latestDefinition(workflowId: string): Promise<WorkflowDefinition | undefined> {
    const caughtUp = this.definitions.catchUpOn(workflowId, CATCH_UP_TIMEOUT_MS).then(
      () => true,
      (error: unknown) => {
        this.logger.warn({ err: error, workflowId }, 'reading the latest workflow definitions failed');
        return true;
      },
    );
    // Bounded as a whole: asking Kafka for the partition's end retries for longer in an outage.
    if (!(await Promise.race([caughtUp, delay(CATCH_UP_TIMEOUT_MS, false, { ref: false })]))) {
      this.logger.warn(
        { workflowId },
        'the workflow definitions were not read up to date in time; trying the version known',
      );
    }
    return this.definitions.get(workflowId);
  }

  /** Before the HTTP server closes: a test waiting for a slow endpoint would hold its request open until then. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.http.destroy();
  }
}
