/**
 * What a delivery attempt's answer means, per the Standard Webhooks spec's guidance:
 * - 2xx: delivered.
 * - 410 Gone: the receiver removed the endpoint; stop and disable it.
 * - 429, 502, 504: the receiver is overloaded; retry, no sooner than its `Retry-After`, and
 *   hold back the endpoint's other deliveries for that long (throttling).
 * - other 5xx, timeouts and network errors: transient; retry on the schedule.
 * - 3xx: a failure (redirects are never followed); final, since retrying cannot change a redirect.
 * - other 4xx: the receiver rejects the request itself; final.
 * - a `2xx`-less answer carrying the stop header (`x-webhook-stop-retries: true`): final, at the
 *   receiver's request.
 */
export type DeliveryVerdict =
  | { kind: 'delivered' }
  | { kind: 'retry'; throttle: boolean; retryAfterMs?: number }
  | { kind: 'final'; reason: string }
  | { kind: 'endpoint_gone' };

/** Header a receiver may answer with to stop further retries of this execution. */
export const STOP_RETRIES_HEADER = 'x-webhook-stop-retries';

const THROTTLING_STATUSES = new Set([429, 502, 504]);

export interface AttemptAnswer {
  /** Absent when no HTTP answer came (network error, timeout, refused by the SSRF guard). */
  statusCode?: number;
  headers?: Readonly<Record<string, string | string[] | undefined>>;
  /** Set when the request could not be made at all and retrying cannot help (SSRF refusal). */
  permanentError?: string;
}

export function judgeAttempt(answer: AttemptAnswer, now: Date, maxRetryAfterMs: number): DeliveryVerdict {
  const { statusCode } = answer;
  if (answer.permanentError !== undefined) return { kind: 'final', reason: answer.permanentError };
  if (statusCode === undefined) return { kind: 'retry', throttle: false };
  if (statusCode >= 200 && statusCode < 300) return { kind: 'delivered' };
  // 410 disables the endpoint whatever else the answer says (a receiver may send the stop header on every error).
  if (statusCode === 410) return { kind: 'endpoint_gone' };
  if (headerValue(answer.headers, STOP_RETRIES_HEADER)?.toLowerCase() === 'true') {
    return { kind: 'final', reason: `HTTP ${statusCode}; the receiver asked not to retry` };
  }
  if (THROTTLING_STATUSES.has(statusCode)) {
    const retryAfterMs = parseRetryAfter(headerValue(answer.headers, 'retry-after'), now, maxRetryAfterMs);
    return retryAfterMs === undefined
      ? { kind: 'retry', throttle: true }
      : { kind: 'retry', throttle: true, retryAfterMs };
  }
  if (statusCode >= 500) return { kind: 'retry', throttle: false };
  if (statusCode >= 300 && statusCode < 400)
    return { kind: 'final', reason: `HTTP ${statusCode}: redirects are not followed` };
  return { kind: 'final', reason: `HTTP ${statusCode}` };
}

/**
 * `Retry-After` as delay-seconds or an HTTP date (RFC 9110: IMF-fixdate, or the obsolete RFC 850
 * and asctime forms, all of which name the month and give hh:mm:ss), capped; undefined when absent
 * or unreadable. A delay too long for a number is a long delay (capped), not an unreadable one; and
 * only what looks like an HTTP date is read as one (V8's Date.parse reads "1.5" as a date in 2001).
 */
export function parseRetryAfter(value: string | undefined, now: Date, maxMs: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(Number(trimmed) * 1000, maxMs);
  if (!HTTP_DATE_SHAPE.test(trimmed)) return undefined;
  // HTTP dates are GMT; asctime's form (ending with the year) does not say so, and Date.parse
  // would read it as local time.
  const ms = Date.parse(/\d{2}:\d{2}:\d{2} \d{4}$/.test(trimmed) ? `${trimmed} GMT` : trimmed) - now.getTime();
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(ms, 0), maxMs);
}
const HTTP_DATE_SHAPE = /\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b.*\b\d{2}:\d{2}:\d{2}\b/;

function headerValue(
  headers: Readonly<Record<string, string | string[] | undefined>> | undefined,
  name: string,
): string | undefined {
  const value = headers?.[name];
  return Array.isArray(value) ? value[value.length - 1] : value;
}
