import { Type, type Static } from '@sinclair/typebox';
import { serviceEnvSchema } from '@app/config';
import { IntentModelEnv } from '@app/intent-model';

export const TriggerMatcherEnvSchema = serviceEnvSchema(3002, {
  ...IntentModelEnv,
  MAX_FIRINGS_PER_CONVERSATION_PER_MINUTE: Type.Integer({
    minimum: 1,
    default: 5,
    description: 'Loop protection: workflows one conversation may fire per minute.',
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
    default: 3_000,
    description: 'After this, intent matching decides instead.',
  }),
  OUTBOUND_ALLOWED_CIDRS: Type.String({
    default: '',
    description: 'Subnets the decision provider may be on despite the SSRF policy (development).',
  }),
});
export type TriggerMatcherConfig = Static<typeof TriggerMatcherEnvSchema>;
