import { Type, type Static } from '@sinclair/typebox';
import { Timestamp } from '../schema-helpers';

/** trigger-matcher's answer to `GET /v1/contacts/:contactId/memory`: the contact's memory, shared by their conversations. */
export const ContactMemoryViewSchema = Type.Object(
  {
    contactId: Type.String(),
    attributes: Type.Record(
      Type.String(),
      Type.Object(
        {
          value: Type.Unknown({ description: 'The value conditions compare.' }),
          learntAt: Timestamp('Event time of the event that set it (the latest event time wins).'),
        },
        { additionalProperties: false },
      ),
      {
        description:
          'Every attribute known of the contact across their conversations; cleared ones and those a ' +
          'contact.memory.cleared forgot are absent. Empty for a contact the engine knows nothing of.',
      },
    ),
    clearedAt: Type.Optional(
      Timestamp(
        "Time of the contact's latest contact.memory.cleared: what events older than it taught is forgotten. " +
          'Absent until a clear was processed.',
      ),
    ),
  },
  { additionalProperties: false },
);
export type ContactMemoryView = Static<typeof ContactMemoryViewSchema>;
