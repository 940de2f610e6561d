import type { OpenApiInfo } from '@app/platform';

/** history's OpenAPI document: served at /openapi.json, kept in docs/openapi/history.json (`npm run openapi`). */
export const HISTORY_OPENAPI: OpenApiInfo = {
  title: 'Agent Workflows history',
  description:
    'The execution log (filters, cursor pages, per-workflow statistics), replays of finished executions, and ' +
    'backtests of a draft workflow over the stored conversations. Every route takes `Authorization: Bearer <API key>` ' +
    "of the tenant it acts for. Another tenant's ids (executions and workflows) answer 404. " +
    'Errors: `{error, message, issues: [{field, reason}]}`.',
};
