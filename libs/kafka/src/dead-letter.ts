import { deadLetterTopicOf, type InvalidInputError } from '@app/contracts';
import { deadLettered, eventsRejected } from '@app/metrics';
import type { ConsumedMessage, OutboundRecord } from './records';

/** Headers of a dead-lettered record; its key and value are the original bytes, untouched. */
export const DeadLetterHeaders = {
  reasonCode: 'dlq-reason-code',
  reason: 'dlq-reason',
  sourceTopic: 'dlq-source-topic',
  sourcePartition: 'dlq-source-partition',
  sourceOffset: 'dlq-source-offset',
  failedAt: 'dlq-failed-at',
  service: 'dlq-service',
} as const;

const MAX_REASON_CHARS = 4000;

export function deadLetterRecord(message: ConsumedMessage, error: InvalidInputError, service: string): OutboundRecord {
  return {
    topic: deadLetterTopicOf(message.topic),
    key: message.key,
    value: message.value,
    headers: {
      ...message.headers,
      [DeadLetterHeaders.reasonCode]: error.code,
      [DeadLetterHeaders.reason]: error.message.slice(0, MAX_REASON_CHARS),
      [DeadLetterHeaders.sourceTopic]: message.topic,
      [DeadLetterHeaders.sourcePartition]: String(message.partition),
      [DeadLetterHeaders.sourceOffset]: message.offset,
      [DeadLetterHeaders.failedAt]: new Date().toISOString(),
      [DeadLetterHeaders.service]: service,
    },
  };
}

/**
 * Counts the dead letters among records a batch has committed: once per record that landed, not
 * per attempt at the batch (a batch processed again after a failed commit builds them again).
 */
export function countDeadLetters(records: readonly OutboundRecord[]): void {
  for (const record of records) {
    const reason = record.headers?.[DeadLetterHeaders.reasonCode];
    if (reason === undefined) continue;
    eventsRejected.inc({ reason });
    deadLettered.inc({ topic: record.topic });
  }
}
