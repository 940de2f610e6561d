import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { Topics, isFinalExecutionStatus, signalAppliedValidator, workflowExecutedValidator } from '@app/contracts';
import { minuteWindowStart } from '@app/domain';
import { processEach, type ConsumedBatch, type OutboundRecord } from '@app/kafka';
import { MinuteCountsRepository } from './minute-counts.repository';

const SERVICE = 'signal-aggregator';

/** Counts applied signals and finished executions into one-minute windows keyed by event time. */
@Controller()
export class AggregatesConsumer {
  constructor(private readonly counts: MinuteCountsRepository) {}

  @EventPattern(Topics.conversationSignals.name)
  countSignals(batch: ConsumedBatch): Promise<OutboundRecord[]> {
    return processEach(batch, signalAppliedValidator, SERVICE, (signal) =>
      this.counts.increment({
        recordId: `signal:${signal.signalId}`,
        tenantId: signal.tenantId,
        series: 'signal',
        name: signal.name,
        windowStart: minuteWindowStart(signal.time),
      }),
    );
  }

  @EventPattern(Topics.workflowExecutions.name)
  countExecutions(batch: ConsumedBatch): Promise<OutboundRecord[]> {
    return processEach(batch, workflowExecutedValidator, SERVICE, async (execution) => {
      // Counted once per attempt series, at its final status: the steps before it (retrying,
      // circuit_open) share its id, and a replay of the execution is one more outcome.
      if (!isFinalExecutionStatus(execution.status)) return;
      const series = execution.replay === undefined ? '' : `:replay:${execution.replay}`;
      await this.counts.increment({
        recordId: `execution:${execution.executionId}${series}`,
        tenantId: execution.tenantId,
        series: 'workflow_execution',
        name: `${execution.workflowId}:${execution.status}`,
        windowStart: minuteWindowStart(execution.eventTime),
      });
    });
  }
}
