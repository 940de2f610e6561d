import type { Static } from '@sinclair/typebox';
import { serviceEnvSchema } from '@app/config';

export const SignalAggregatorEnvSchema = serviceEnvSchema(3004, {});
export type SignalAggregatorConfig = Static<typeof SignalAggregatorEnvSchema>;
