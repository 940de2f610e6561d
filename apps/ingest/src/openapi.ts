import type { OpenApiInfo } from '@app/platform';

/** ingest's OpenAPI document: served at /openapi.json, kept in docs/openapi/ingest.json (`npm run openapi`). */
export const INGEST_OPENAPI: OpenApiInfo = {
  title: 'Agent Workflows ingest',
  description:
    'The HTTP entry for platforms that do not produce to Kafka: one CloudEvent per request, validated at once and ' +
    'appended to conversation.events as it came (the same path, ordering and de-duplication as events produced ' +
    'there; docs/events.md). Takes `Authorization: Bearer <API key>`; the event must belong to the key’s tenant. ' +
    'Errors: `{error, message, issues: [{field, reason}]}`.',
};
