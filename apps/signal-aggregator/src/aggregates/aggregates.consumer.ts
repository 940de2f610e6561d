import { createHash } from 'node:crypto';
import { Controller, Inject } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import {
  InvalidInputError,
  Topics,
  conversationEventValidator,
  isFinalExecutionStatus,
  signalAppliedValidator,
  workflowExecutedValidator,
  workflowTriggeredValidator,
  type ConversationEvent,
  type Validator,
} from '@app/contracts';
import { isBeyondGrace, type CountedRecord } from '@app/domain';
import { isDataException } from '@app/database';
import {
  processEach,
  writeOrDeadLetter,
  type ConsumedBatch,
  type ConsumedMessage,
  type OutboundRecord,
  type Writable,
} from '@app/kafka';
import { APP_CONFIG } from '@app/platform';
import type { SignalAggregatorConfig } from '../config';
import { WindowCountsRepository, conversationKey } from './window-counts.repository';

const SERVICE = 'signal-aggregator';

/**
 * Counts applied signals, detected intents, triggered workflows and finished executions into
 * tumbling windows keyed by event time. A batch is counted in one Postgres transaction with the
 * ids of its records (exactly once), and its offsets are committed after it. A record that
 * arrives more than AGGREGATION_GRACE_SECONDS after its window ended is refused: dead-lettered
 * with reason `too_late` and counted in aw_events_rejected_total, never silently dropped; so is one
 * that PostgreSQL refuses for its data (`unstorable`, writeOrDeadLetter).
 */
@Controller()
export class AggregatesConsumer {
  private readonly graceMs: number;

  constructor(
    private readonly counts: WindowCountsRepository,
    @Inject(APP_CONFIG) config: SignalAggregatorConfig,
  ) {
    this.graceMs = config.AGGREGATION_GRACE_SECONDS * 1000;
  }

  @EventPattern(Topics.conversationSignals.name)
  countSignals(batch: ConsumedBatch): Promise<OutboundRecord[]> {
    return this.countBatch(batch, signalAppliedValidator, (signal) =>
      signal.preview
        ? null
        : {
            recordId: `signal:${signal.signalId}`,
            tenantId: signal.tenantId,
            kind: 'signal',
            name: signal.name,
            workflowId: signal.workflowId ?? '',
            eventTime: new Date(signal.time),
          },
    );
  }

  /**
   * Intents the platform's AI detected on messages. Preview conversations (authors trying
   * workflows) are not counted: an event marked `preview` marks its conversation, whose intents
   * are then left out from that batch on (only the first event of a preview conversation needs
   * the flag, as for trigger-matcher).
   */
  @EventPattern(Topics.validatedEvents.name)
  async countIntents(batch: ConsumedBatch): Promise<OutboundRecord[]> {
    const marked: string[] = [];
    const conversationOf = new Map<CountedRecord, string>();
    const { records, deadLetters } = await this.collect(batch, conversationEventValidator, (value) => {
      const event = value as ConversationEvent;
      const conversation = conversationKey(event.tenantid, event.subject);
      if (event.data.preview) marked.push(conversation);
      if (event.type !== 'conversation.message.created' || !event.data.ai?.intent) return null;
      const record: CountedRecord = {
        // ingest's de-duplication key, hashed: a re-sent event is the same record, and the id stays
        // short whatever the source and id hold (JSON escapes can make them six times longer).
        recordId: `intent:${createHash('sha256')
          .update(JSON.stringify([event.tenantid, event.source, event.id]))
          .digest('hex')}`,
        tenantId: event.tenantid,
        kind: 'intent',
        name: event.data.ai.intent,
        workflowId: '',
        eventTime: new Date(event.time),
      };
      conversationOf.set(record, conversation);
      return record;
    });
    const previews = await this.counts.previewConversations(marked, [...conversationOf.values()]);
    const counted = records.filter(({ value }) => !previews.has(conversationOf.get(value)!));
    return [...deadLetters, ...(await this.write(counted))];
  }

  /**
   * Workflows that fired, by workflow id, at the time of the event that fired them (preview
   * firings excluded, and an escalation's hand-off after it asked for contact details: the same
   * firing, carried out in two executions).
   */
  @EventPattern(Topics.workflowTriggers.name)
  countTriggers(batch: ConsumedBatch): Promise<OutboundRecord[]> {
    return this.countBatch(batch, workflowTriggeredValidator, (trigger) =>
      trigger.preview || trigger.contactRequest?.stage === 'hand_off'
        ? null
        : {
            recordId: `trigger:${trigger.triggerId}`,
            tenantId: trigger.tenantId,
            kind: 'workflow_trigger',
            name: trigger.workflow.id,
            workflowId: trigger.workflow.id,
            eventTime: new Date(trigger.event.time),
          },
    );
  }

  /**
   * Outcomes, named `<workflow id>:<status>`, at the time the execution finished: an execution
   * retried for hours is an outcome of when it ended. Counted once per attempt series, at its final
   * status: the steps before it (retrying, circuit_open) share its id, and a replay is one more outcome.
   */
  @EventPattern(Topics.workflowExecutions.name)
  countExecutions(batch: ConsumedBatch): Promise<OutboundRecord[]> {
    return this.countBatch(batch, workflowExecutedValidator, (execution) => {
      if (!isFinalExecutionStatus(execution.status) || execution.preview) return null;
      const series = execution.replay === undefined ? '' : `:replay:${execution.replay}`;
      return {
        recordId: `execution:${execution.executionId}${series}`,
        tenantId: execution.tenantId,
        kind: 'workflow_execution',
        name: `${execution.workflowId}:${execution.status}`,
        workflowId: execution.workflowId,
        eventTime: new Date(execution.finishedAt),
      };
    });
  }

  private async countBatch<T>(
    batch: ConsumedBatch,
    validator: Validator<T>,
    toRecord: (value: T) => CountedRecord | null,
  ): Promise<OutboundRecord[]> {
    const { records, deadLetters } = await this.collect(batch, validator, toRecord);
    return [...deadLetters, ...(await this.write(records))];
  }

  /** The batch's records to count, and dead letters for those that are invalid or too late. */
  private async collect<T>(
    batch: ConsumedBatch,
    validator: Validator<T>,
    toRecord: (value: T) => CountedRecord | null,
  ): Promise<{ records: Writable<CountedRecord>[]; deadLetters: OutboundRecord[] }> {
    const records: Writable<CountedRecord>[] = [];
    const deadLetters = await processEach(batch, validator, SERVICE, (value, message) => {
      const record = toRecord(value);
      if (!record) return;
      this.refuseIfTooLate(record, message);
      records.push({ value: record, message });
    });
    return { records, deadLetters };
  }

  /** Counts the records exactly once; those PostgreSQL refuses for their data are dead-lettered. */
  private write(records: Writable<CountedRecord>[]): Promise<OutboundRecord[]> {
    return writeOrDeadLetter(records, (values) => this.counts.count(values), {
      service: SERVICE,
      isRefusal: isDataException,
    });
  }

  private refuseIfTooLate(record: CountedRecord, message: ConsumedMessage): void {
    if (!isBeyondGrace(record.eventTime, new Date(message.timestamp), this.graceMs)) return;
    throw new InvalidInputError(
      'too_late',
      `event time ${record.eventTime.toISOString()} is more than AGGREGATION_GRACE_SECONDS ` +
        `(${this.graceMs / 1000}) before its arrival at ${new Date(message.timestamp).toISOString()}; its window is closed`,
    );
  }
}
