import type { OpenApiInfo } from '@app/platform';

/** signal-aggregator's OpenAPI document: served at /openapi.json, kept in docs/openapi/signal-aggregator.json (`npm run openapi`). */
export const SIGNAL_AGGREGATOR_OPENAPI: OpenApiInfo = {
  title: 'Agent Workflows signal-aggregator',
  description:
    'The analyst API: counts of signals, intents, workflow firings and execution outcomes per UTC window ' +
    '(minute, hour, day) as time series, top-N and breakdown by workflow, each as JSON or, with `format=csv`, ' +
    'CSV; and the raw minute windows. Every route takes `Authorization: Bearer <API key>` of the tenant it acts ' +
    'for and answers from that tenant’s counts only. Errors: `{error, message, issues: [{field, reason}]}`.',
};
