import { Type, type Static } from '@sinclair/typebox';

/** The body of every 4xx/5xx answer of every HTTP API. */
export const ErrorResponseSchema = Type.Object({
  error: Type.String({ description: 'Machine-readable code, e.g. schema_violation, unauthenticated, not_found.' }),
  message: Type.String(),
  issues: Type.Optional(
    Type.Array(
      Type.Object({
        field: Type.String({ description: 'JSON pointer of the body field, or header:/query:/path: and its name.' }),
        reason: Type.String(),
      }),
    ),
  ),
  details: Type.Optional(
    Type.Unknown({ description: 'For conflicts (409): why, e.g. the failing test cases of a workflow.' }),
  ),
});
export type ErrorResponse = Static<typeof ErrorResponseSchema>;
