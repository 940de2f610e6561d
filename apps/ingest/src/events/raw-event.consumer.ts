import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { Topics } from '@app/contracts';
import type { ConsumedBatch, OutboundRecord } from '@app/kafka';
import { IngestService } from './ingest.service';

@Controller()
export class RawEventConsumer {
  constructor(private readonly ingestService: IngestService) {}

  @EventPattern(Topics.conversationEvents.name)
  handle(batch: ConsumedBatch): Promise<OutboundRecord[]> {
    return this.ingestService.ingest(batch);
  }
}
