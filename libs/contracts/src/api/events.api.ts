import { Type, type Static } from '@sinclair/typebox';

/** ingest's answer to `POST /v1/events`: the event is on conversation.events, to be processed as if produced there. */
export const EventAcceptedSchema = Type.Object({
  accepted: Type.Literal(true),
  id: Type.String({ description: "The event's CloudEvents id (de-duplication key with its source)." }),
});
export type EventAccepted = Static<typeof EventAcceptedSchema>;
