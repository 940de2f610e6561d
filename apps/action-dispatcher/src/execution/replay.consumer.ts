import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { Topics } from '@app/contracts';
import type { ConsumedBatch, OutboundRecord } from '@app/kafka';
import { DispatchService } from './dispatch.service';

@Controller()
export class ReplayConsumer {
  constructor(private readonly dispatchService: DispatchService) {}

  @EventPattern(Topics.replayRequests.name)
  handle(batch: ConsumedBatch): Promise<OutboundRecord[]> {
    return this.dispatchService.replay(batch);
  }
}
