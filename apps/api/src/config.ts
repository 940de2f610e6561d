import { Type, type Static } from '@sinclair/typebox';
import { DecisionCascadeEnv, FiringLimitEnv, OutboundAllowListEnv, serviceEnvSchema } from '@app/config';
import { IntentModelEnv } from '@app/intent-model';

export const ApiEnvSchema = serviceEnvSchema(3000, {
  ...IntentModelEnv,
  ...DecisionCascadeEnv,
  // Previews and workflow tests judge with the limit trigger-matcher keeps.
  ...FiringLimitEnv,
  // Workflow URLs the SSRF guard would refuse are refused when they are saved.
  ...OutboundAllowListEnv,
  DEFINITIONS_RELAY_INTERVAL_MS: Type.Integer({
    minimum: 100,
    maximum: 60_000,
    default: 1000,
    description: 'How often unpublished workflow versions and API keys are re-sent to their topics.',
  }),
  ADMIN_API_TOKEN: Type.String({
    default: '',
    pattern: '^(.{16,})?$',
    description:
      "Operator token (at least 16 characters) for /v1/admin: issuing tenants' API keys. Empty (the default): the admin routes refuse everyone. Never logged.",
  }),
});
export type ApiConfig = Static<typeof ApiEnvSchema>;
