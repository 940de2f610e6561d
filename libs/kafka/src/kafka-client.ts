import {
  Kafka,
  Partitioners,
  logLevel,
  type ICustomPartitioner,
  type LogEntry,
  type Producer,
  type RecordMetadata,
} from 'kafkajs';
import type { Logger } from 'pino';
import { eventsProduced, kafkaProduceErrors } from '@app/metrics';
import { PARTITION_KEY_HEADER, WrittenOffsets, byteLength, type OutboundRecord } from './records';

/**
 * The one place that constructs the Kafka client. Everything else receives a `Kafka` from here,
 * so swapping kafkajs for a compatible client (e.g. @confluentinc/kafka-javascript) touches this lib only.
 */
export function createKafkaClient(options: { brokers: string[]; clientId: string; logger: Logger }): Kafka {
  const logger = options.logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    connectionTimeout: 5_000,
    retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 10_000 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...extra } = log;
        const severity = kafkajsLogSeverity(level, message, extra);
        if (severity !== 'none') logger[severity](extra, message);
      },
  });
}

/**
 * What a kafkajs log line is worth to an operator. kafkajs logs every refused request as an error,
 * including refusals that are part of normal operation and retried:
 * - CONCURRENT_TRANSACTIONS: a transaction begun while the broker still writes the previous one's
 *   markers, retried after 20 ms (see createProducer); back-to-back commits meet it routinely;
 * - "not the leader" on ListOffsets: for a moment after a topic is created (every first start)
 *   or while leadership moves, the broker refuses offsets requests that are retried
 *   (topics-admin.ts waits it out); a first `npm start` logged ~90 of them as errors;
 * - a coordinator that is loading or not available yet (a first start, whose internal topics the
 *   broker is still creating, or a coordinator moving): FindCoordinator and InitProducerId retry.
 * Bounded producer retries are deliberate (see createProducer): kafkajs's warning about them on
 * every start is dropped.
 */
export function kafkajsLogSeverity(
  level: logLevel,
  message: string,
  extra: Record<string, unknown>,
): 'error' | 'warn' | 'debug' | 'none' {
  if (message.startsWith('Limiting retries for the idempotent producer')) return 'none';
  const error = typeof extra.error === 'string' ? extra.error : '';
  const routine =
    `${message} ${error}`.includes('another concurrent operation on the same transaction was ongoing') ||
    (message.startsWith('Response ListOffsets') && error.includes('not the leader for that topic-partition')) ||
    (/^Response (GroupCoordinator|FindCoordinator|InitProducerId)\b/.test(message) &&
      /coordinator is loading|coordinator is not available/.test(error));
  if (routine) return 'debug';
  if (level <= logLevel.ERROR) return 'error';
  return level === logLevel.WARN ? 'warn' : 'debug';
}

export type { Consumer, Kafka, Producer } from 'kafkajs';

/**
 * How long a transaction may stay open before the broker's coordinator aborts it (and bumps the
 * producer's epoch, which the producer then sees as being fenced): kafkajs's default, explicit
 * because TransactionalProducer tells such a timeout from fencing by it.
 */
export const TRANSACTION_TIMEOUT_MS = 60_000;

/**
 * An idempotent producer (no duplicates from its own retries) that partitions like the Java client
 * (murmur2 of the key, or of the PARTITION_KEY_HEADER when a record has one), so a conversation id
 * lands on the same partition whoever publishes it.
 * Retries are bounded: a broker that stays down surfaces as an error — the consumed batch is then
 * redone, or the HTTP caller told to retry — instead of a send that hangs forever.
 */
export function createProducer(kafka: Kafka, options: { transactionalId?: string } = {}): Producer {
  return kafka.producer({
    transactionTimeout: TRANSACTION_TIMEOUT_MS,
    idempotent: true,
    maxInFlightRequests: 1,
    // A transaction begun right after the previous one committed is refused (CONCURRENT_TRANSACTIONS)
    // until the broker has written that one's markers, a few milliseconds: retry soon, not after the
    // client's 200 ms. Twelve doublings up to 10 s bound it at about the same total as the client's.
    retry: { retries: 12, initialRetryTime: 20, maxRetryTime: 10_000 },
    transactionalId: options.transactionalId,
    createPartitioner: byPartitionKey,
  });
}

const byPartitionKey: ICustomPartitioner = () => {
  const byKey = Partitioners.DefaultPartitioner();
  return ({ topic, partitionMetadata, message }) => {
    const partitionKey = message.headers?.[PARTITION_KEY_HEADER];
    if (partitionKey === undefined) return byKey({ topic, partitionMetadata, message });
    return byKey({ topic, partitionMetadata, message: { ...message, key: partitionKey as string | Buffer } });
  };
};

/** Kafka refuses record batches above `message.max.bytes` (1 MB by default): stay well below it. */
const MAX_REQUEST_BYTES = 512 * 1024;

/** Something that can send batches: a producer or a producer's open transaction. */
export interface BatchSender {
  sendBatch(batch: {
    topicMessages: {
      topic: string;
      messages: {
        key: string | Buffer | null;
        value: string | Buffer | null;
        headers?: Record<string, string>;
        partition?: number;
      }[];
    }[];
    acks?: number;
  }): Promise<readonly RecordMetadata[]>;
}

/**
 * Sends records in order, in requests that fit the broker's size limit, waiting for all replicas;
 * resolves with where they landed. Records sent in a transaction (`inTransaction`) are not counted
 * here: they land only if it commits, and the caller counts them then (countProduced).
 */
export async function sendChunked(
  sender: BatchSender,
  records: readonly OutboundRecord[],
  { inTransaction = false }: { inTransaction?: boolean } = {},
): Promise<WrittenOffsets> {
  const written = new WrittenOffsets();
  let chunk: OutboundRecord[] = [];
  let chunkBytes = 0;
  const flush = async () => {
    if (chunk.length === 0) return;
    const byTopic = new Map<string, OutboundRecord[]>();
    for (const record of chunk) {
      const messages = byTopic.get(record.topic);
      if (messages) messages.push(record);
      else byTopic.set(record.topic, [record]);
    }
    try {
      const landed = await sender.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({
          topic,
          messages: messages.map(({ key, value, headers, partition }) => ({ key, value, headers, partition })),
        })),
      });
      written.add(landed);
    } catch (error) {
      for (const topic of byTopic.keys()) kafkaProduceErrors.inc({ topic });
      throw error;
    }
    if (!inTransaction) countProduced(chunk);
    chunk = [];
    chunkBytes = 0;
  };
  for (const record of records) {
    const size = byteLength(record);
    if (chunkBytes + size > MAX_REQUEST_BYTES) await flush();
    chunk.push(record);
    chunkBytes += size;
  }
  await flush();
  return written;
}

/** Counts records that landed on their topics (aw_events_produced_total). */
export function countProduced(records: readonly OutboundRecord[]): void {
  const byTopic = new Map<string, number>();
  for (const { topic } of records) byTopic.set(topic, (byTopic.get(topic) ?? 0) + 1);
  for (const [topic, count] of byTopic) eventsProduced.inc({ topic }, count);
}
