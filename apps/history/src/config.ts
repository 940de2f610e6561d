import { Type, type Static } from '@sinclair/typebox';
import { FiringLimitEnv, serviceEnvSchema } from '@app/config';
import { IntentModelEnv } from '@app/intent-model';

export const HistoryEnvSchema = serviceEnvSchema(3005, {
  ...IntentModelEnv,
  ...FiringLimitEnv,
  CONVERSATION_RETENTION_DAYS: Type.Integer({
    minimum: 1,
    maximum: 3650,
    default: 30,
    description: 'How long conversation events are kept for backtests, counted from their event time.',
  }),
  EXECUTION_RETENTION_DAYS: Type.Integer({
    minimum: 1,
    maximum: 3650,
    default: 90,
    description: 'How long executions are kept in the execution log, counted from their start.',
  }),
});
export type HistoryConfig = Static<typeof HistoryEnvSchema>;
