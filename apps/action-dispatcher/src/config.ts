import { Type, type Static } from '@sinclair/typebox';
import { serviceEnvSchema } from '@app/config';

export const ActionDispatcherEnvSchema = serviceEnvSchema(3003, {
  WEBHOOK_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    default: 15_000,
    description: 'Total time a webhook delivery may take, connection included.',
  }),
  WEBHOOK_CONNECT_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 5_000, description: 'TCP/TLS connect timeout.' }),
  OUTBOUND_ALLOWED_CIDRS: Type.String({
    default: '',
    description:
      'Comma-separated subnets that outbound calls may reach despite the SSRF policy (e.g. 127.0.0.0/8 for local development). Empty in production.',
  }),
});
export type ActionDispatcherConfig = Static<typeof ActionDispatcherEnvSchema>;
