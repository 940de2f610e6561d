import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import type { Producer } from '@app/kafka';
import { InvalidInputError, Topics, parseConversationEvent } from '@app/contracts';
import { KAFKA_PRODUCER, sendChunked } from '@app/kafka';
import { eventsRejected } from '@app/metrics';
import { TenantId, requireJsonBody } from '@app/platform';

/**
 * HTTP entry for platforms that do not produce to Kafka: the event is validated at once (a bad one
 * is answered 400 naming the field) and then appended to conversation.events as it came, so that
 * both entries share one path, one ordering and one de-duplication. The event must belong to the
 * tenant of the request's API key.
 */
@Controller('v1/events')
export class EventsController {
  constructor(@Inject(KAFKA_PRODUCER) private readonly producer: Producer) {}

  @Post()
  @HttpCode(202)
  async publish(@TenantId() tenantId: string, @Body() raw: unknown): Promise<{ accepted: true; id: string }> {
    try {
      const bytes = requireJsonBody(raw);
      const event = parseConversationEvent(bytes);
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
