import { Webhook } from 'standardwebhooks';
import type { Attempt, WorkflowDefinition, WorkflowTriggered } from '@app/contracts';
import { buildWebhookPayload, type AttemptAnswer } from '@app/domain';
import type { GuardedHttpClient } from '@app/http';

/** How much of a failed response the execution log keeps. */
const MAX_ERROR_CHARS = 2_000;

type WebhookAction = Extract<WorkflowDefinition['action'], { type: 'webhook' }>;

export interface AttemptResult {
  attempt: Attempt;
  /** What the receiver answered, for judging whether to retry. */
  answer: AttemptAnswer;
}

/**
 * Delivers a webhook per the Standard Webhooks spec: JSON body, `webhook-id` (the execution id,
 * the receiver's idempotency key), `webhook-timestamp` and an HMAC-SHA256 `webhook-signature`
 * computed by the `standardwebhooks` library with the workflow's `whsec_` secret. One call is one
 * attempt; whether and when to try again is the scheduler's decision.
 */
export class WebhookSender {
  constructor(private readonly http: GuardedHttpClient) {}

  async send(
    action: WebhookAction,
    signingSecret: string,
    trigger: WorkflowTriggered,
    executionId: string,
    attemptNumber: number,
  ): Promise<AttemptResult> {
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
    // A receiver may echo what it was sent: the secret and the configured header values never reach the log.
    const secrets = [signingSecret, ...Object.values(action.headers ?? {})];
    const error =
      result.error ?? (succeeded ? undefined : redact(`HTTP ${result.statusCode}: ${result.body ?? ''}`, secrets));
    const attempt: Attempt = {
      number: attemptNumber,
      startedAt: now.toISOString(),
      durationMs: result.durationMs,
      ...(result.statusCode !== undefined ? { statusCode: result.statusCode } : {}),
      ...(error !== undefined ? { error: error.slice(0, MAX_ERROR_CHARS) } : {}),
    };
    const answer: AttemptAnswer = {
      ...(result.statusCode !== undefined ? { statusCode: result.statusCode } : {}),
      ...(result.headers ? { headers: result.headers } : {}),
      ...(result.refused && result.error ? { permanentError: result.error } : {}),
    };
    return { attempt, answer };
  }
}

function redact(text: string, secrets: readonly string[]): string {
  return secrets
    .filter((secret) => secret.length >= 8)
    .reduce((out, secret) => out.split(secret).join('[redacted]'), text);
}
