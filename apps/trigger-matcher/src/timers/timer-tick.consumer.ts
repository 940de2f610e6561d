import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { Topics } from '@app/contracts';
import type { ConsumedBatch, OutboundRecord } from '@app/kafka';
import { TriggerMatchingService } from '../matching/trigger-matching.service';

@Controller()
export class TimerTickConsumer {
  constructor(private readonly matching: TriggerMatchingService) {}

  @EventPattern(Topics.timerTicks.name)
  handle(batch: ConsumedBatch): Promise<OutboundRecord[]> {
    return this.matching.wakeUp(batch);
  }
}
