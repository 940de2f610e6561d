import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { Topics, workflowExecutedValidator } from '@app/contracts';
import { processEach, type ConsumedBatch, type OutboundRecord } from '@app/kafka';
import { ExecutionsRepository } from './executions.repository';

@Controller()
export class ExecutionResultConsumer {
  constructor(private readonly executions: ExecutionsRepository) {}

  @EventPattern(Topics.workflowExecutions.name)
  handle(batch: ConsumedBatch): Promise<OutboundRecord[]> {
    return processEach(batch, workflowExecutedValidator, 'history', (execution) => this.executions.upsert(execution));
  }
}
