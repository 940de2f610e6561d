import type { OpenApiInfo } from '@app/platform';

/** The api's OpenAPI document: served at /openapi.json, kept in docs/openapi/api.json (`npm run openapi`). */
export const API_OPENAPI: OpenApiInfo = {
  title: 'Agent Workflows api',
  description:
    "The control plane: workflows (versions, test cases, preview, signing secrets) and tenants' API keys. " +
    'Every route takes `Authorization: Bearer <API key>` of the tenant it acts for, except /v1/admin, which takes ' +
    "the operator token. Another tenant's ids answer 404. Errors: `{error, message, issues: [{field, reason}]}`.",
};
