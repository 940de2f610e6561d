import { Webhook } from 'standardwebhooks';
import type { Attempt, WorkflowDefinition, WorkflowTriggered } from '@app/contracts';
import { listOf } from '@app/config';
import {
  OutboundAddressPolicy,
  buildWebhookPayload,
  flatPayload,
  type AttemptAnswer,
  type DeliveryTarget,
} from '@app/domain';
import { GuardedHttpClient } from '@app/http';
import type { ActionDispatcherConfig } from '../config';

/** The attempt log's error field holds at most this much. */
const MAX_ERROR_CHARS = 2_000;
/** Largest response body read (for mapping into a reply); the log keeps WEBHOOK_MAX_RESPONSE_CHARS of it. */
const MAX_RESPONSE_BODY_BYTES = 64 * 1024;

export interface WebhookSenderLimits {
  /** Characters of a failed attempt's response body kept in its error (WEBHOOK_MAX_RESPONSE_CHARS). */
  maxLoggedResponseChars: number;
  /** Largest request body sent (WEBHOOK_MAX_PAYLOAD_BYTES); a larger one finally fails unsent. */
  maxPayloadBytes: number;
}

export interface AttemptResult {
  attempt: Attempt;
  /** What the receiver answered, for judging whether to retry. */
  answer: AttemptAnswer;
  /** The response body (bounded by the HTTP client), for mapping into a reply. */
  responseBody?: string;
  /** The receiver answered 2xx. */
  succeeded: boolean;
  /** What the body was built from, unless it was over the payload limit (and so not sent). */
  sentPayload?: unknown;
  /** The response body as it may be shown: secrets redacted, cut at `maxLoggedResponseChars`. */
  shownResponse: () => string;
}

/**
 * Delivers a webhook per the Standard Webhooks spec: JSON body, `webhook-id` (the execution id,
 * the receiver's idempotency key), `webhook-timestamp` and an HMAC-SHA256 `webhook-signature`
 * computed by the `standardwebhooks` library with the workflow's `whsec_` secret. One call is one
 * attempt; whether and when to try again is the scheduler's decision, except for a body over
 * `maxPayloadBytes`: it is not sent, and the attempt says that no retry can help.
 */
export class WebhookSender {
  constructor(
    private readonly http: GuardedHttpClient,
    private readonly limits: WebhookSenderLimits,
  ) {}

  async send(
    target: DeliveryTarget,
    signing: Pick<WorkflowDefinition, 'signingSecret' | 'previousSigningSecret'>,
    trigger: WorkflowTriggered,
    executionId: string,
    attemptNumber: number,
  ): Promise<AttemptResult> {
    const now = new Date();
    const payload =
      typeof target.payload === 'object'
        ? target.payload.custom
        : target.payload === 'flat'
          ? flatPayload(trigger, executionId)
          : buildWebhookPayload(trigger, executionId, now);
    const body = JSON.stringify(payload);
    // A payload template can expand the transcript and memory many times over; the same
    // execution renders the same body on every attempt, so a retry could never succeed.
    const payloadBytes = Buffer.byteLength(body);
    if (payloadBytes > this.limits.maxPayloadBytes) {
      const error = `payload is ${payloadBytes} bytes, over WEBHOOK_MAX_PAYLOAD_BYTES ${this.limits.maxPayloadBytes}; not sent`;
      return {
        attempt: { number: attemptNumber, startedAt: now.toISOString(), durationMs: 0, error },
        answer: { permanentError: error },
        succeeded: false,
        shownResponse: () => '',
      };
    }
    // During a rotation's overlap both secrets sign; receivers accept any listed signature.
    const previous = signing.previousSigningSecret;
    const secrets = [
      signing.signingSecret,
      ...(previous && Date.parse(previous.expiresAt) > now.getTime() ? [previous.secret] : []),
    ];
    const signature = secrets.map((secret) => new Webhook(secret).sign(executionId, now, body)).join(' ');
    const result = await this.http.post(target.url, body, {
      // Lower-cased, and the fixed headers after them: a configured header can neither replace
      // one of those nor be sent beside it, whatever the definition holds.
      ...Object.fromEntries(Object.entries(target.headers).map(([name, value]) => [name.toLowerCase(), value])),
      'content-type': 'application/json',
      'user-agent': 'agent-workflows/0.1',
      'webhook-id': executionId,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': signature,
    });
    const succeeded = result.statusCode !== undefined && result.statusCode >= 200 && result.statusCode < 300;
    const incomplete =
      result.bodyIncomplete !== undefined ? `response body incomplete: ${result.bodyIncomplete}` : undefined;
    // A receiver may echo what it was sent: the secret and the configured header values are never shown.
    // Redacted before it is cut: a secret across the cut would leave its beginning in the log.
    const shownResponse = () =>
      redact(result.body ?? '', [...secrets, ...Object.values(target.headers)]).slice(
        0,
        this.limits.maxLoggedResponseChars,
      );
    // Only a failed answer's body goes to the log (and pays for the redaction).
    const failure = () => {
      const loggedBody = shownResponse();
      const cutNote = result.bodyTruncated
        ? ' (response body cut at the read limit)'
        : incomplete === undefined
          ? ''
          : ` (${incomplete})`;
      return `HTTP ${result.statusCode}${cutNote}: ${loggedBody}`;
    };
    // A delivered answer whose body stopped short is noted on the attempt (it has no error otherwise).
    const error = result.error ?? (succeeded ? incomplete : failure());
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
    // An incomplete body is no response to map into a reply: the reply is made as for an empty one.
    const responseBody = result.bodyIncomplete === undefined ? result.body : undefined;
    return {
      attempt,
      answer,
      ...(responseBody !== undefined ? { responseBody } : {}),
      succeeded,
      sentPayload: payload,
      shownResponse,
    };
  }
}

/**
 * The dispatcher's webhook sender, from its configuration, over an SSRF-guarded HTTP client of
 * its own (`http`, to destroy on shutdown).
 */
export function webhookSenderFrom(config: ActionDispatcherConfig): {
  http: GuardedHttpClient;
  webhooks: WebhookSender;
} {
  const http = new GuardedHttpClient(new OutboundAddressPolicy(listOf(config.OUTBOUND_ALLOWED_CIDRS)), {
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    connectTimeoutMs: config.WEBHOOK_CONNECT_TIMEOUT_MS,
    maxResponseBytes: MAX_RESPONSE_BODY_BYTES,
  });
  const webhooks = new WebhookSender(http, {
    maxLoggedResponseChars: config.WEBHOOK_MAX_RESPONSE_CHARS,
    maxPayloadBytes: config.WEBHOOK_MAX_PAYLOAD_BYTES,
  });
  return { http, webhooks };
}

/** Shorter values are not redacted: replacing every "yes" or "1" of a body would make it unreadable. */
const MIN_REDACTED_CHARS = 8;

/**
 * The text without the secrets, as a receiver may echo them: whole, the credential of an
 * `Authorization`-style value without its scheme ("Bearer sk_live_…" echoed as "sk_live_…"), and
 * JSON-escaped (a receiver answering JSON that quotes what it got, "/" escaped or not). Longest first, so that a
 * secret containing another is replaced whole.
 */
function redact(text: string, secrets: readonly string[]): string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    const credential = /^[A-Za-z][\w-]*\s+(\S.*)$/.exec(secret)?.[1];
    for (const form of credential === undefined ? [secret] : [secret, credential]) {
      const escaped = JSON.stringify(form).slice(1, -1);
      // JSON encoders that also escape "/" (PHP's, by default) write base64 tokens so.
      for (const echoed of [form, escaped, escaped.replaceAll('/', '\\/')]) forms.add(echoed);
    }
  }
  return [...forms]
    .filter((form) => form.length >= MIN_REDACTED_CHARS)
    .sort((a, b) => b.length - a.length)
    .reduce((out, form) => out.split(form).join('[redacted]'), text);
}
