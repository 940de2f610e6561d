import type { Static } from '@sinclair/typebox';
import { serviceEnvSchema } from '@app/config';

export const TriggerMatcherEnvSchema = serviceEnvSchema(3002, {});
export type TriggerMatcherConfig = Static<typeof TriggerMatcherEnvSchema>;
