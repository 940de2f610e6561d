import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { Topics, workflowExecutedValidator, type WorkflowExecuted } from '@app/contracts';
import { isDataException } from '@app/database';
import { processEach, writeOrDeadLetter, type ConsumedBatch, type OutboundRecord, type Writable } from '@app/kafka';
import { ExecutionsRepository } from './executions.repository';

/**
 * Keeps every execution result in the execution log: a batch's valid results in one transaction;
 * one that PostgreSQL refuses for its data goes to the DLQ (writeOrDeadLetter).
 */
@Controller()
export class ExecutionResultConsumer {
  constructor(private readonly executions: ExecutionsRepository) {}

  @EventPattern(Topics.workflowExecutions.name)
  async handle(batch: ConsumedBatch): Promise<OutboundRecord[]> {
    const executions: Writable<WorkflowExecuted>[] = [];
    const deadLetters = await processEach(batch, workflowExecutedValidator, 'history', (execution, message) => {
      executions.push({ value: execution, message });
    });
    const refused = await writeOrDeadLetter(executions, (values) => this.executions.upsertAll(values), {
      service: 'history',
      isRefusal: isDataException,
    });
    return [...deadLetters, ...refused];
  }
}
