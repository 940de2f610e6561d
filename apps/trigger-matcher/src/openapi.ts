import type { OpenApiInfo } from '@app/platform';

/** trigger-matcher's OpenAPI document: served at /openapi.json, kept in docs/openapi/trigger-matcher.json (`npm run openapi`). */
export const TRIGGER_MATCHER_OPENAPI: OpenApiInfo = {
  title: 'Agent Workflows trigger-matcher',
  description:
    'Contact memory as the engine knows it: the attributes memory conditions compare, learnt from ' +
    '`contact.memory.updated` events and the memory snapshots of messages, shared by all of a contact’s ' +
    'conversations (and forgotten with `contact.memory.cleared`). Every route takes `Authorization: Bearer ' +
    '<API key>` of the tenant it acts for and answers from that tenant’s contacts only. ' +
    'Errors: `{error, message, issues: [{field, reason}]}`.',
};
