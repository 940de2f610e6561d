import { Type, type Static } from '@sinclair/typebox';
import { serviceEnvSchema } from '@app/config';

export const IngestEnvSchema = serviceEnvSchema(3001, {
  DEDUP_RETENTION_HOURS: Type.Integer({
    minimum: 1,
    default: 168,
    description: 'How long an event id is remembered; a re-send within this window is a no-op.',
  }),
});
export type IngestConfig = Static<typeof IngestEnvSchema>;
