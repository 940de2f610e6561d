import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Producer } from '@app/kafka';
import {
  ConversationEventSchema,
  EventAcceptedSchema,
  InvalidInputError,
  Topics,
  parseConversationEvent,
  type EventAccepted,
} from '@app/contracts';
import { KAFKA_PRODUCER, sendChunked } from '@app/kafka';
import { eventsRejected } from '@app/metrics';
import { ApiErrors, ApiKeyAuth, TenantId, openApiSchema, requireJsonBody } from '@app/platform';
import { refuseEventFromTheFuture } from './event-time';

/**
 * HTTP entry for platforms that do not produce to Kafka: the event is validated at once (a bad one
 * is answered 400 naming the field) and then appended to conversation.events as it came, so that
 * both entries share one path, one ordering and one de-duplication. The event must belong to the
 * tenant of the request's API key.
 */
@ApiTags('events')
@ApiKeyAuth()
@Controller('v1/events')
export class EventsController {
  constructor(@Inject(KAFKA_PRODUCER) private readonly producer: Producer) {}

  @ApiOperation({ summary: 'Publish one conversation event (a CloudEvent) of the API key’s tenant.' })
  @ApiBody({ schema: openApiSchema(ConversationEventSchema) })
  @ApiResponse({ status: 202, description: 'On conversation.events.', schema: openApiSchema(EventAcceptedSchema) })
  @ApiErrors(400, 413)
  @Post()
  @HttpCode(202)
  async publish(@TenantId() tenantId: string, @Body() raw: unknown): Promise<EventAccepted> {
    try {
      const bytes = requireJsonBody(raw);
      const event = parseConversationEvent(bytes);
      refuseEventFromTheFuture(event, Date.now());
      // A key speaks for its own tenant only. (Producers to conversation.events are platform-side
      // and trusted: Kafka ACLs guard that topic, not API keys.)
      if (event.tenantid !== tenantId) {
        throw new InvalidInputError('tenant_mismatch', "tenantid is not the API key's tenant", [
          { field: '/tenantid', reason: "must be the API key's tenant" },
        ]);
      }
      await sendChunked(this.producer, [{ topic: Topics.conversationEvents.name, key: event.subject, value: bytes }]);
      return { accepted: true, id: event.id };
    } catch (error) {
      if (error instanceof InvalidInputError) eventsRejected.inc({ reason: error.code });
      throw error;
    }
  }
}
