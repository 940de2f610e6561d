import { Type, type Static } from '@sinclair/typebox';
import { OutboundAllowListEnv, serviceEnvSchema } from '@app/config';

export const ActionDispatcherEnvSchema = serviceEnvSchema(3003, {
  WEBHOOK_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 300_000,
    default: 15_000,
    description: 'Total time a webhook delivery may take, connection included.',
  }),
  WEBHOOK_CONNECT_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 60_000,
    default: 5_000,
    description: 'TCP/TLS connect timeout.',
  }),
  WEBHOOK_RETRY_SCHEDULE: Type.String({
    default: '5s,5m,30m,2h,5h,10h,10h',
    description:
      "Delays before each retry; the first attempt is immediate (Svix's default: 8 attempts). Up to 20% jitter is added. Empty: no retries.",
  }),
  WEBHOOK_MAX_RETRY_AFTER_MS: Type.Integer({
    minimum: 0,
    default: 36_000_000,
    description: 'Longest Retry-After honoured (429/502/504); longer values are capped to it.',
  }),
  WEBHOOK_DISABLE_AFTER_FAILING_SECONDS: Type.Integer({
    minimum: 1,
    default: 432_000,
    description:
      'An endpoint whose every attempt failed for this long (default 5 days) is disabled until the workflow changes.',
  }),
  WEBHOOK_MAX_CONCURRENCY_PER_ENDPOINT: Type.Integer({
    minimum: 1,
    default: 50,
    description:
      "Deliveries in flight to one workflow's endpoint at a time; the others wait without holding anyone back.",
  }),
  WEBHOOK_INLINE_WAIT_MS: Type.Integer({
    minimum: 0,
    maximum: 60_000,
    default: 500,
    description:
      'How long a batch of triggers waits for the first attempts of its deliveries, made at once; slower ones go on in the background, recorded through the schedule. 0: every delivery goes through the schedule.',
  }),
  WEBHOOK_CIRCUIT_FAILURE_THRESHOLD: Type.Integer({
    minimum: 1,
    default: 5,
    description: "Consecutive retriable failures that open an endpoint's circuit.",
  }),
  WEBHOOK_CIRCUIT_HALF_OPEN_AFTER_MS: Type.Integer({
    minimum: 100,
    maximum: 3_600_000,
    default: 30_000,
    description: 'How long an open circuit postpones its executions before letting one attempt through.',
  }),
  WEBHOOK_MAX_RESPONSE_CHARS: Type.Integer({
    minimum: 0,
    // An attempt's error (its status line and the body) holds at most 2,000 characters.
    maximum: 2_000,
    default: 2_000,
    description: 'Characters of a response body kept in the execution log (at most 2,000, with the status line).',
  }),
  WEBHOOK_MAX_PAYLOAD_BYTES: Type.Integer({
    minimum: 1_024,
    default: 262_144,
    description:
      'Largest request body a delivery sends (a payload template can expand the transcript); a larger one fails the execution without a request or retry.',
  }),
  ...OutboundAllowListEnv,
});
export type ActionDispatcherConfig = Static<typeof ActionDispatcherEnvSchema>;
