import { Webhook } from 'standardwebhooks';
import type { Attempt, WorkflowDefinition, WorkflowTriggered } from '@app/contracts';
import { buildWebhookPayload, flatPayload, type AttemptAnswer, type DeliveryTarget } from '@app/domain';
import type { GuardedHttpClient } from '@app/http';

/** The attempt log's error field holds at most this much. */
const MAX_ERROR_CHARS = 2_000;

export interface AttemptResult {
  attempt: Attempt;
  /** What the receiver answered, for judging whether to retry. */
  answer: AttemptAnswer;
  /** The response body (bounded by the HTTP client), for mapping into a reply. */
  responseBody?: string;
}

/**
 * Delivers a webhook per the Standard Webhooks spec: JSON body, `webhook-id` (the execution id,
 * the receiver's idempotency key), `webhook-timestamp` and an HMAC-SHA256 `webhook-signature`
 * computed by the `standardwebhooks` library with the workflow's `whsec_` secret. One call is one
 * attempt; whether and when to try again is the scheduler's decision.
 */
export class WebhookSender {
  constructor(
    private readonly http: GuardedHttpClient,
    private readonly maxLoggedResponseChars: number,
  ) {}

  async send(
    target: DeliveryTarget,
    signing: Pick<WorkflowDefinition, 'signingSecret' | 'previousSigningSecret'>,
    trigger: WorkflowTriggered,
    executionId: string,
    attemptNumber: number,
  ): Promise<AttemptResult> {
    const now = new Date();
    const body = JSON.stringify(
      typeof target.payload === 'object'
        ? target.payload.custom
        : target.payload === 'flat'
          ? flatPayload(trigger, executionId)
          : buildWebhookPayload(trigger, executionId, now),
    );
    // During a rotation's overlap both secrets sign; receivers accept any listed signature.
    const previous = signing.previousSigningSecret;
    const secrets = [
      signing.signingSecret,
      ...(previous && Date.parse(previous.expiresAt) > now.getTime() ? [previous.secret] : []),
    ];
    const signature = secrets.map((secret) => new Webhook(secret).sign(executionId, now, body)).join(' ');
    const result = await this.http.post(target.url, body, {
      ...target.headers,
      'content-type': 'application/json',
      'user-agent': 'agent-workflows/0.1',
      'webhook-id': executionId,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': signature,
    });
    const succeeded = result.statusCode !== undefined && result.statusCode >= 200 && result.statusCode < 300;
    // A receiver may echo what it was sent: the secret and the configured header values never reach the log.
    const redacted = [...secrets, ...Object.values(target.headers)];
    const loggedBody = (result.body ?? '').slice(0, this.maxLoggedResponseChars);
    const error =
      result.error ?? (succeeded ? undefined : redact(`HTTP ${result.statusCode}: ${loggedBody}`, redacted));
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
    return { attempt, answer, ...(result.body !== undefined ? { responseBody: result.body } : {}) };
  }
}

function redact(text: string, secrets: readonly string[]): string {
  return secrets
    .filter((secret) => secret.length >= 8)
    .reduce((out, secret) => out.split(secret).join('[redacted]'), text);
}
