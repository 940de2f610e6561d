import { Type, type Static } from '@sinclair/typebox';
import { DecisionCascadeEnv, FiringLimitEnv, OutboundAllowListEnv, serviceEnvSchema } from '@app/config';
import { IntentModelEnv } from '@app/intent-model';

export const TriggerMatcherEnvSchema = serviceEnvSchema(3002, {
  ...IntentModelEnv,
  ...FiringLimitEnv,
  ...DecisionCascadeEnv,
  TIMER_TICK_INTERVAL_MS: Type.Integer({
    minimum: 100,
    maximum: 60_000,
    default: 1_000,
    description: 'How often due no_reply timers and state expiries are looked for: their precision.',
  }),
  CONVERSATION_STATE_IDLE_TTL_SECONDS: Type.Integer({
    minimum: 1,
    default: 7 * 24 * 3600,
    description: 'A conversation without events for this long is forgotten (its no_reply timers fire first).',
  }),
  ENDED_CONVERSATION_STATE_TTL_SECONDS: Type.Integer({
    minimum: 0,
    default: 3600,
    description: 'An ended conversation is forgotten this long after its last event; later events start afresh.',
  }),
  CONVERSATION_STATE_STANDBY: Type.Union([Type.Literal('all'), Type.Literal('none')], {
    default: 'all',
    description:
      "all: every instance also keeps the other instances' conversations, so a takeover starts warm; none: only its own, so memory follows its share, and a takeover first reads the partition's states.",
  }),
  DECISION_PROVIDER_URL: Type.String({
    default: '',
    pattern: '^(https?://.+)?$',
    description: 'Base URL of an OpenAI-compatible API that decides intent workflows; empty: off (intent matching).',
  }),
  DECISION_PROVIDER_MODEL: Type.String({ default: 'gpt-4o-mini', description: 'Model asked.' }),
  DECISION_PROVIDER_API_KEY: Type.String({ default: '', description: 'Bearer key; never logged.' }),
  DECISION_PROVIDER_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 60_000,
    default: 3_000,
    description: 'After this, intent matching decides instead.',
  }),
  ...OutboundAllowListEnv,
});
export type TriggerMatcherConfig = Static<typeof TriggerMatcherEnvSchema>;
