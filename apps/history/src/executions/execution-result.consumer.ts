import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { Topics, workflowExecutedValidator, type WorkflowExecuted } from '@app/contracts';
import { processEach, type ConsumedBatch, type OutboundRecord } from '@app/kafka';
import { ExecutionsRepository } from './executions.repository';

/** Keeps every execution result in the execution log: a batch's valid results in one transaction. */
@Controller()
export class ExecutionResultConsumer {
  constructor(private readonly executions: ExecutionsRepository) {}

  @EventPattern(Topics.workflowExecutions.name)
  async handle(batch: ConsumedBatch): Promise<OutboundRecord[]> {
    const executions: WorkflowExecuted[] = [];
    const deadLetters = await processEach(batch, workflowExecutedValidator, 'history', (execution) => {
      executions.push(execution);
    });
    await this.executions.upsertAll(executions);
    return deadLetters;
  }
}
