import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { Topics } from '@app/contracts';
import type { ConsumedBatch, OutboundRecord } from '@app/kafka';
import { TriggerMatchingService } from './trigger-matching.service';

@Controller()
export class ValidatedEventConsumer {
  constructor(private readonly matching: TriggerMatchingService) {}

  @EventPattern(Topics.validatedEvents.name)
  handle(batch: ConsumedBatch): Promise<OutboundRecord[]> {
    return this.matching.match(batch);
  }
}
