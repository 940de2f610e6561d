import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import type { Admin, Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { isObservable, lastValueFrom } from 'rxjs';
import { eventsConsumed, kafkaBatchDuration, reportConsumerLag } from '@app/metrics';
import { consumerGroupLag } from './consumer-lag';
import { CoPartitionedAssigner, type ConsumerAssignment } from './co-partitioned-assigner';
import { GroupCommitter, KeyedSerializer, offsetsByTopic, type BatchCommit } from './group-commit';
import { createProducer, sendChunked } from './kafka-client';
import { stringHeaders, type ConsumedBatch, type ConsumedMessage, type OutboundRecord } from './records';

export interface KafkaConsumerTransportOptions {
  kafka: Kafka;
  groupId: string;
  topics: readonly string[];
  logger: Logger;
  /**
   * When set, each batch's output records and its consumed offsets are committed in one Kafka
   * transaction (consume-transform-produce, exactly once). Must be stable per instance.
   */
  transactionalId?: string;
  /** Give partition p of every topic to the same member (topics keyed alike whose records share state). */
  coPartitioned?: boolean;
  /** Kept up to date with the partitions this member owns, for work that is not driven by a batch. */
  assignment?: ConsumerAssignment;
  /**
   * Batches of up to this many partitions are processed at once, and their commits grouped into
   * one transaction (see GroupCommitter). Batches of one partition are always processed in order.
   */
  partitionsConcurrently?: number;
}

/**
 * A Nest microservice transport over Kafka that commits offsets only after the batch's effect is
 * durable: handlers (`@EventPattern(topic)`) receive a `ConsumedBatch` of one partition and return
 * the records to publish; the transport publishes them and commits the offsets after that, in one
 * transaction when `transactionalId` is set. A handler that throws leaves the offsets uncommitted,
 * so the batch is processed again: handlers must be idempotent or transactional.
 */
export class KafkaConsumerTransport extends Server implements CustomTransportStrategy {
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  /** Reads the group's lag for the metrics scrape. */
  private readonly admin: Admin;
  private stopReportingLag: (() => void) | null = null;
  private joined = false;
  private assignmentEpoch = 0;
  private crashed: string | null = null;
  private readonly committer = new GroupCommitter((commits) => this.commitTogether(commits));
  // Co-partitioned topics share state per partition number: their batches must not interleave.
  private readonly partitionTurns = new KeyedSerializer<number>();

  constructor(private readonly options: KafkaConsumerTransportOptions) {
    super();
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      // Transactions' aborted records must never reach a handler.
      readUncommitted: false,
      // A crashed member's partitions move after 10 s; handlers heartbeat between messages.
      sessionTimeout: 10_000,
      heartbeatInterval: 3_000,
      maxBytesPerPartition: 1024 * 1024,
      // Leaving the group waits for the fetch in flight; see CompactedTopicView.
      maxWaitTimeInMs: 1_000,
      ...(options.coPartitioned ? { partitionAssigners: [CoPartitionedAssigner] } : {}),
    });
    this.producer = createProducer(options.kafka, { transactionalId: options.transactionalId });
    this.admin = options.kafka.admin();
    const { GROUP_JOIN, CRASH } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, (event) => {
      this.assignmentEpoch += 1;
      this.joined = true;
      this.crashed = null;
      options.assignment?.set(event.payload.memberAssignment);
    });
    this.consumer.on(CRASH, (event) => {
      this.crashed = event.payload.error.message;
      this.joined = false;
      options.assignment?.set({});
    });
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      this.assertEveryTopicHasAHandler();
      await this.producer.connect();
      await this.consumer.connect();
      await this.admin.connect();
      this.stopReportingLag = reportConsumerLag(() => this.lag());
      await this.consumer.subscribe({ topics: [...this.options.topics], fromBeginning: true });
      await this.consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.options.partitionsConcurrently ?? 1,
        eachBatch: (payload) =>
          this.options.coPartitioned
            ? this.partitionTurns.run(payload.batch.partition, () => this.processBatch(payload))
            : this.processBatch(payload),
      });
      callback();
    } catch (error) {
      callback(error);
    }
  }

  /** Leaves the group (waiting for the batch in flight) and flushes the producer. */
  async close(): Promise<void> {
    this.options.assignment?.set({});
    this.stopReportingLag?.();
    await this.consumer.disconnect();
    await this.producer.disconnect();
    await this.admin.disconnect();
  }

  /** The group's lag per partition; none when the brokers cannot tell now (the scrape still answers). */
  private async lag(): Promise<Awaited<ReturnType<typeof consumerGroupLag>>> {
    try {
      return await consumerGroupLag(this.admin, this.options.groupId, this.options.topics);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'reading the consumer group lag failed');
      return [];
    }
  }

  /** Ready once the consumer has joined its group and has not crashed since. */
  readiness(): { ready: boolean; detail: string } {
    if (this.crashed) return { ready: false, detail: `consumer crashed: ${this.crashed}` };
    return this.joined
      ? { ready: true, detail: 'consumer joined its group' }
      : { ready: false, detail: 'joining group' };
  }

  on(): never {
    throw new Error('KafkaConsumerTransport has no events to subscribe to; use readiness()');
  }

  unwrap<T>(): T {
    return this.consumer as T;
  }

  private assertEveryTopicHasAHandler(): void {
    const missing = this.options.topics.filter((topic) => !this.messageHandlers.has(topic));
    if (missing.length > 0) throw new Error(`no @EventPattern handler for topic(s): ${missing.join(', ')}`);
    const extra = [...this.messageHandlers.keys()].filter((pattern) => !this.options.topics.includes(pattern));
    if (extra.length > 0) throw new Error(`@EventPattern handler(s) for unsubscribed topic(s): ${extra.join(', ')}`);
  }

  private async processBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0) return;
    const stopTimer = kafkaBatchDuration.startTimer({ topic: batch.topic });
    const committed: (() => void)[] = [];
    const consumed: ConsumedBatch = {
      topic: batch.topic,
      partition: batch.partition,
      heartbeat,
      assignmentEpoch: this.assignmentEpoch,
      afterCommit: (callback) => committed.push(callback),
      messages: batch.messages.map((message): ConsumedMessage => ({
        topic: batch.topic,
        partition: batch.partition,
        offset: message.offset,
        key: message.key ?? null,
        value: message.value ?? null,
        headers: stringHeaders(message.headers),
        timestamp: Number(message.timestamp),
      })),
    };
    const records = await this.runHandler(consumed);
    // A rebalance took the partition away while we worked: another member owns it now.
    if (!isRunning() || isStale()) return;
    const lastOffset = batch.lastOffset();
    const next = (BigInt(lastOffset) + 1n).toString();
    await this.committer.commit({ records, offset: { topic: batch.topic, partition: batch.partition, offset: next } });
    committed.forEach((callback) => callback());
    resolveOffset(lastOffset);
    await heartbeat();
    eventsConsumed.inc({ topic: batch.topic }, batch.messages.length);
    stopTimer();
  }

  private async runHandler(batch: ConsumedBatch): Promise<OutboundRecord[]> {
    const handler = this.messageHandlers.get(batch.topic);
    if (!handler) throw new Error(`no handler for ${batch.topic}`);
    const result: unknown = await handler(batch);
    const records: unknown = isObservable(result) ? await lastValueFrom(result, { defaultValue: [] }) : result;
    return Array.isArray(records) ? (records as OutboundRecord[]) : [];
  }

  /** Publishes the records of several batches and commits their offsets: atomically when transactional. */
  private async commitTogether(commits: readonly BatchCommit[]): Promise<void> {
    const records = commits.flatMap((commit) => commit.records);
    const topics = offsetsByTopic(commits.map((commit) => commit.offset));
    if (!this.options.transactionalId) {
      await sendChunked(this.producer, records);
      await this.consumer.commitOffsets(
        topics.flatMap(({ topic, partitions }) => partitions.map((partition) => ({ topic, ...partition }))),
      );
      return;
    }
    const transaction = await this.producer.transaction();
    try {
      await sendChunked(transaction, records);
      await transaction.sendOffsets({ consumerGroupId: this.options.groupId, topics });
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch((abortError: unknown) => {
        this.options.logger.error({ err: abortError }, 'aborting the Kafka transaction failed');
      });
      throw error;
    }
  }
}
