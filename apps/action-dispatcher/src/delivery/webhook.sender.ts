import { Webhook } from 'standardwebhooks';
import type { Attempt, WorkflowDefinition, WorkflowTriggered } from '@app/contracts';
import { buildWebhookPayload } from '@app/domain';
import type { GuardedHttpClient } from '@app/http';

/** How much of a failed response the execution log keeps. */
const MAX_ERROR_CHARS = 2_000;

type WebhookAction = Extract<WorkflowDefinition['action'], { type: 'webhook' }>;

export interface DeliveryOutcome {
  succeeded: boolean;
  attempt: Attempt;
}

/**
 * Delivers a webhook per the Standard Webhooks spec: JSON body, `webhook-id` (the execution id,
 * the receiver's idempotency key), `webhook-timestamp` and an HMAC-SHA256 `webhook-signature`
 * computed by the `standardwebhooks` library with the workflow's `whsec_` secret.
 */
export class WebhookSender {
  constructor(private readonly http: GuardedHttpClient) {}

  async send(
    action: WebhookAction,
    signingSecret: string,
    trigger: WorkflowTriggered,
    executionId: string,
    attemptNumber: number,
  ): Promise<DeliveryOutcome> {
    const now = new Date();
    const body = JSON.stringify(buildWebhookPayload(trigger, executionId, now));
    const signature = new Webhook(signingSecret).sign(executionId, now, body);
    const result = await this.http.post(action.url, body, {
      ...action.headers,
      'content-type': 'application/json',
      'user-agent': 'agent-workflows/0.1',
      'webhook-id': executionId,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': signature,
    });
    const succeeded = result.statusCode !== undefined && result.statusCode >= 200 && result.statusCode < 300;
    const attempt: Attempt = {
      number: attemptNumber,
      startedAt: now.toISOString(),
      durationMs: result.durationMs,
      ...(result.statusCode !== undefined ? { statusCode: result.statusCode } : {}),
      ...(result.error !== undefined
        ? { error: result.error }
        : succeeded
          ? {}
          : { error: `HTTP ${result.statusCode}: ${result.body ?? ''}`.slice(0, MAX_ERROR_CHARS) }),
    };
    return { succeeded, attempt };
  }
}
