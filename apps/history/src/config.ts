import type { Static } from '@sinclair/typebox';
import { serviceEnvSchema } from '@app/config';

export const HistoryEnvSchema = serviceEnvSchema(3005, {});
export type HistoryConfig = Static<typeof HistoryEnvSchema>;
