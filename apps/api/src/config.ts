import { Type, type Static } from '@sinclair/typebox';
import { serviceEnvSchema } from '@app/config';
import { IntentModelEnv } from '@app/intent-model';

export const ApiEnvSchema = serviceEnvSchema(3000, {
  ...IntentModelEnv,
  DEFINITIONS_RELAY_INTERVAL_MS: Type.Integer({
    minimum: 100,
    default: 1000,
    description: 'How often unpublished workflow versions are re-sent to workflow.definitions.',
  }),
});
export type ApiConfig = Static<typeof ApiEnvSchema>;
