import type { OpenApiInfo } from '@app/platform';

/** action-dispatcher's OpenAPI document: served at /openapi.json, kept in docs/openapi/action-dispatcher.json (`npm run openapi`). */
export const ACTION_DISPATCHER_OPENAPI: OpenApiInfo = {
  title: 'Agent Workflows action-dispatcher',
  description:
    'Test deliveries: one signed sample delivery to a workflow’s endpoint, made while you wait, to see that ' +
    'the URL answers and the signature verifies, or to give Zapier or Make a sample to map. Executions are ' +
    'delivered from Kafka, not through this API. Every route takes `Authorization: Bearer <API key>` of the ' +
    'tenant it acts for and acts on that tenant’s workflows only. ' +
    'Errors: `{error, message, issues: [{field, reason}]}`.',
};
