import { Type, type Static } from '@sinclair/typebox';
import { serviceEnvSchema } from '@app/config';

export const TriggerMatcherEnvSchema = serviceEnvSchema(3002, {
  MAX_FIRINGS_PER_CONVERSATION_PER_MINUTE: Type.Integer({
    minimum: 1,
    default: 5,
    description: 'Loop protection: workflows one conversation may fire per minute.',
  }),
});
export type TriggerMatcherConfig = Static<typeof TriggerMatcherEnvSchema>;
