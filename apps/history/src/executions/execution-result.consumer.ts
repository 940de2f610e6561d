import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { Topics, workflowExecutedValidator, type WorkflowExecuted } from '@app/contracts';
import { processEach, type ConsumedBatch, type OutboundRecord } from '@app/kafka';
import { storeOrDeadLetter, type Storable } from '../store-or-dead-letter';
import { ExecutionsRepository } from './executions.repository';

/**
 * Keeps every execution result in the execution log: a batch's valid results in one transaction
 * (see storeOrDeadLetter for those PostgreSQL refuses).
 */
@Controller()
export class ExecutionResultConsumer {
  constructor(private readonly executions: ExecutionsRepository) {}

  @EventPattern(Topics.workflowExecutions.name)
  async handle(batch: ConsumedBatch): Promise<OutboundRecord[]> {
    const executions: Storable<WorkflowExecuted>[] = [];
    const deadLetters = await processEach(batch, workflowExecutedValidator, 'history', (execution, message) => {
      executions.push({ value: execution, message });
    });
    return [...deadLetters, ...(await storeOrDeadLetter(executions, (values) => this.executions.upsertAll(values)))];
  }
}
