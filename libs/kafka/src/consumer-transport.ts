import { randomUUID } from 'node:crypto';
import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import {
  KafkaJSError,
  PartitionAssigners,
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type Kafka,
  type Producer,
} from 'kafkajs';
import type { Logger } from 'pino';
import { isObservable, lastValueFrom } from 'rxjs';
import { eventsConsumed, kafkaBatchDuration, reportConsumerLag, type GaugeReading } from '@app/metrics';
import { countDeadLetters } from './dead-letter';
import { consumerGroupLag } from './consumer-lag';
import { restartWhenCrashed } from './consumer-restart';
import { CoPartitionedAssigner, type ConsumerAssignment } from './co-partitioned-assigner';
import {
  GroupCommitter,
  KeyedSerializer,
  offsetsByTopic,
  type BatchCommit,
  type PartitionOffset,
} from './group-commit';
import { handoverAssigner } from './handover-assigner';
import { InFlightBatches, partitionKey, type InFlightBatch } from './in-flight-batches';
import { countProduced, createProducer, sendChunked } from './kafka-client';
import { TransactionalProducer, isFencing } from './transactional-producer';
import {
  stringHeaders,
  type ConsumedBatch,
  type ConsumedMessage,
  type OutboundRecord,
  type WrittenOffsets,
} from './records';

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
  /**
   * Commit in the background: the next batches are fetched and processed while earlier ones
   * commit (in order, grouped), instead of each batch waiting for its own commit. Only for
   * handlers that do not read what an earlier batch of theirs staged for after its commit (see
   * `ConsumedBatch.afterCommit`): with pipelining, that batch may not have committed yet.
   */
  pipelineCommits?: boolean;
}

/**
 * Consumed records of a pipelined consumer whose batches' commits may be on their way at once,
 * before it waits for the oldest: bounds the memory held by outputs not yet committed.
 */
const MAX_RECORDS_IN_FLIGHT = 10_000;
/** How long a rebalance waits for the commits in flight of its members (below the session timeout). */
const HANDOVER_TIMEOUT_MS = 5_000;

/**
 * A Nest microservice transport over Kafka that commits offsets only after the batch's effect is
 * durable: handlers (`@EventPattern(topic)`) receive a `ConsumedBatch` of one partition and return
 * the records to publish; the transport publishes them and commits the offsets after that, in one
 * transaction when `transactionalId` is set. A handler that throws leaves the offsets uncommitted,
 * so the batch is processed again: handlers must be idempotent or transactional. With
 * `pipelineCommits`, commits land in the background while the next batches are processed; a failed
 * one rewinds the partitions it affects, and rebalances wait for commits in flight
 * (docs/architecture.md, "Pipelined commits").
 */
export class KafkaConsumerTransport extends Server implements CustomTransportStrategy {
  private readonly consumer: Consumer;
  private readonly producer: Producer | TransactionalProducer;
  /** Reads the group's lag for the metrics scrape. */
  private readonly admin: Admin;
  private stopReportingLag: (() => void) | null = null;
  private joined = false;
  private crashed: string | null = null;
  private readonly committer = new GroupCommitter<WrittenOffsets>((commits) =>
    this.commitTogether(commits).catch((error: unknown) => {
      if (this.options.pipelineCommits) this.rewindAfterFailedCommit(error);
      throw error;
    }),
  );
  // Co-partitioned topics share state per partition number: their batches must not interleave.
  private readonly partitionTurns = new KeyedSerializer<number>();
  /** Pipelined commits: the batches whose commits are on their way, and the promises of those commits. */
  private readonly inFlight = new InFlightBatches();
  private readonly commitsInFlight = new Set<Promise<void>>();
  private recordsInFlight = 0;
  /** Partitions sought back after a failed commit, until a batch fetched after the seek arrives. */
  private readonly rewinding = new Set<string>();
  private rebalancing = false;
  private closing = false;
  /** Set when the producer was fenced: this member can never commit again, and its consumer stops. */
  private fenced: unknown = null;
  private readonly stopRestarting: () => void;

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
      ...this.partitionAssigners(),
    });
    this.producer = options.transactionalId
      ? new TransactionalProducer(options.kafka, options.transactionalId, options.logger)
      : createProducer(options.kafka);
    this.admin = options.kafka.admin();
    const { GROUP_JOIN, CRASH, REBALANCING, END_BATCH_PROCESS } = this.consumer.events;
    this.consumer.on(REBALANCING, () => (this.rebalancing = true));
    this.consumer.on(END_BATCH_PROCESS, ({ payload }) =>
      options.assignment?.noteRead(payload.topic, payload.partition, BigInt(payload.lastOffset)),
    );
    this.consumer.on(GROUP_JOIN, (event) => {
      this.joined = true;
      this.crashed = null;
      this.rebalancing = false;
      this.rewinding.clear();
      options.assignment?.set(event.payload.memberAssignment);
    });
    // A fenced member stops for good: another instance took its transactional id over.
    this.stopRestarting = restartWhenCrashed(this.consumer, {
      name: options.groupId,
      run: () => this.runConsumer(),
      logger: options.logger,
      restartable: () => !this.fenced,
    });
    this.consumer.on(CRASH, (event) => {
      this.crashed = event.payload.error.message;
      this.joined = false;
      // Never thrown from here: kafkajs would not restart the consumer after its crash listeners.
      try {
        options.assignment?.set({});
      } catch (error) {
        options.logger.error({ err: error }, 'clearing the assignment after a consumer crash failed');
      }
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
      await this.runConsumer();
      callback();
    } catch (error) {
      callback(error);
    }
  }

  private runConsumer(): Promise<void> {
    return this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConcurrently ?? 1,
      eachBatch: (payload) =>
        this.options.coPartitioned
          ? this.partitionTurns.run(payload.batch.partition, () => this.processBatch(payload))
          : this.processBatch(payload),
    });
  }

  /** Leaves the group (waiting for the batch in flight and every commit on its way) and flushes the producer. */
  async close(): Promise<void> {
    this.closing = true;
    this.stopRestarting();
    this.options.assignment?.set({});
    this.stopReportingLag?.();
    // Before leaving: the members that take the partitions over must find these commits landed.
    await this.commitsLanded();
    await this.consumer.disconnect();
    await this.producer.disconnect();
    await this.admin.disconnect();
  }

  /** The group's lag per partition; a failure leaves it out of the scrape, which still answers. */
  private async lag(): Promise<GaugeReading<'group' | 'topic' | 'partition'>[]> {
    try {
      const lags = await consumerGroupLag(this.admin, this.options.groupId, this.options.topics);
      return lags.map(({ group, topic, partition, lag }) => ({
        labels: { group, topic, partition: String(partition) },
        value: lag,
      }));
    } catch (error) {
      // Thrown on: the scrape leaves the series out and counts it (aw_metric_source_failures_total).
      this.options.logger.warn({ err: error }, 'reading the consumer group lag failed');
      throw error;
    }
  }

  /** Ready once the consumer has joined its group and has not crashed since; never again once fenced. */
  readiness(): { ready: boolean; detail: string } {
    if (this.fenced) {
      return { ready: false, detail: 'fenced: another instance took over its transactional id (same INSTANCE_ID?)' };
    }
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
    if (this.fenced) throw this.fenced;
    if (batch.messages.length === 0) return;
    const key = partitionKey(batch);
    if (this.rewinding.has(key)) {
      // Fetched before the seek back: its partition is read again from the rewound offset.
      if (isStale()) return;
      this.rewinding.delete(key);
    }
    const stopTimer = kafkaBatchDuration.startTimer({ topic: batch.topic });
    const committed: ((written: WrittenOffsets) => void)[] = [];
    const discarded: (() => void)[] = [];
    const later: Promise<readonly OutboundRecord[]>[] = [];
    const discard = () => discarded.splice(0).forEach((callback) => callback());
    const consumed: ConsumedBatch = {
      topic: batch.topic,
      partition: batch.partition,
      heartbeat,
      afterCommit: (callback) => committed.push(callback),
      afterDiscard: (callback) => discarded.push(callback),
      publishLater: (records) => {
        // Awaited once the handler is over, unless it failed: not an unhandled rejection meanwhile.
        void records.catch(() => undefined);
        later.push(records);
      },
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
    let records: BatchCommit['records'];
    try {
      const handled = await this.runHandler(consumed);
      const all = later.length === 0 ? handled : Promise.all(later).then((rest) => [...handled, ...rest.flat()]);
      // Awaited by the commit, maybe after it failed: not an unhandled rejection meanwhile.
      if (all instanceof Promise) void all.catch(() => undefined);
      // Pipelined, the records still to come travel with the commit; otherwise the batch waits for them here.
      records = this.options.pipelineCommits ? all : await all;
    } catch (error) {
      discard();
      throw error;
    }
    // A rebalance took the partition away while we worked: another member owns it now.
    if (!isRunning() || isStale()) return discard();
    const lastOffset = batch.lastOffset();
    const offset = { topic: batch.topic, partition: batch.partition, offset: (BigInt(lastOffset) + 1n).toString() };
    const landed = (written: WrittenOffsets) => {
      committed.forEach((callback) => callback(written));
      eventsConsumed.inc({ topic: batch.topic }, batch.messages.length);
      // Committed, so the records are there (pipelined, the promise has settled).
      if (records instanceof Promise)
        void records.then(
          (landedRecords) => this.countLanded(landedRecords),
          () => undefined,
        );
      else this.countLanded(records);
      stopTimer();
    };
    if (this.options.pipelineCommits) {
      // A batch finished after this member's rejoin began is not in the handover it announced: drop it.
      if (this.rebalancing) return discard();
      this.commitInBackground(
        { records, offset },
        { firstOffset: batch.firstOffset() ?? batch.messages[0]!.offset, size: batch.messages.length },
        { landed, discard },
      );
      resolveOffset(lastOffset);
      if (this.closing) await this.commitsLanded();
      while (this.recordsInFlight > MAX_RECORDS_IN_FLIGHT) await [...this.commitsInFlight][0];
    } else {
      const written = await this.committer.commit({ records, offset }).catch((error: unknown) => {
        discard();
        if (isFencing(error)) {
          this.fenced = error;
          this.options.logger.error({ err: error }, 'the Kafka producer was fenced: this consumer stops for good');
          throw error;
        }
        // The offsets did not move, so the batch is processed again: kafkajs must retry it, even
        // after an error it calls final (such as a record too large).
        throw new KafkaJSError(error as Error, { retriable: true });
      });
      landed(written);
      resolveOffset(lastOffset);
    }
    await heartbeat();
  }

  /**
   * Queues the batch's commit and goes on. Commits land in order; when one fails, its batch and
   * every later one in flight are read again (see rewindAfterFailedCommit).
   */
  private commitInBackground(
    commit: BatchCommit,
    { firstOffset, size }: { firstOffset: string; size: number },
    { landed, discard }: { landed: (written: WrittenOffsets) => void; discard: () => void },
  ): void {
    const batch: InFlightBatch = {
      topic: commit.offset.topic,
      partition: commit.offset.partition,
      firstOffset,
      nextOffset: commit.offset.offset,
    };
    this.inFlight.add(batch);
    this.recordsInFlight += size;
    const tracked: Promise<void> = this.committer
      .commit(commit)
      .then((written) => {
        this.inFlight.committed(batch);
        landed(written);
      }, discard)
      .finally(() => {
        this.commitsInFlight.delete(tracked);
        this.recordsInFlight -= size;
      });
    this.commitsInFlight.add(tracked);
  }

  /**
   * A pipelined commit failed (its transaction was aborted): the batches queued behind it must not
   * commit either, and the consumer must read every partition with a batch in flight again from
   * its oldest one, as it would after a restart. Runs before the committer takes the next group.
   */
  private rewindAfterFailedCommit(error: unknown): void {
    this.committer.failWaiting(error);
    if (isFencing(error)) this.fenced = error;
    const from = this.inFlight.rewind();
    for (const { topic, partition, offset } of from) {
      this.rewinding.add(partitionKey({ topic, partition }));
      try {
        this.consumer.seek({ topic, partition, offset });
      } catch (seekError) {
        this.options.logger.error({ err: seekError, topic, partition }, 'seeking back after a failed commit failed');
      }
    }
    this.options.logger.error({ err: error, rewound: from }, 'committing a batch failed; reading it again');
  }

  /** Settles once every pipelined commit on its way has landed (or failed). */
  private async commitsLanded(): Promise<void> {
    while (this.commitsInFlight.size > 0) await Promise.allSettled([...this.commitsInFlight]);
  }

  /** Pipelined consumers join their group through handoverAssigner: see there. */
  private partitionAssigners() {
    const inner = this.options.coPartitioned ? CoPartitionedAssigner : PartitionAssigners.roundRobin;
    if (!this.options.pipelineCommits) return this.options.coPartitioned ? { partitionAssigners: [inner] } : {};
    return {
      partitionAssigners: [
        handoverAssigner(inner, {
          pending: () => this.inFlight.pending(),
          committed: (partitions) => this.committedOffsets(partitions),
          timeoutMs: HANDOVER_TIMEOUT_MS,
          logger: this.options.logger,
        }),
      ],
    };
  }

  /** Counts a committed batch's records: produced ones (counted when sent unless transactional), dead letters. */
  private countLanded(records: readonly OutboundRecord[]): void {
    if (this.producer instanceof TransactionalProducer) countProduced(records);
    countDeadLetters(records);
  }

  /** The group's committed offsets on the partitions' topics, with the metadata each was committed with. */
  private async committedOffsets(
    partitions: readonly { topic: string }[],
  ): Promise<(PartitionOffset & { metadata: string | null })[]> {
    const topics = [...new Set(partitions.map(({ topic }) => topic))];
    const offsets = await this.admin.fetchOffsets({ groupId: this.options.groupId, topics });
    return offsets.flatMap(({ topic, partitions: committed }) =>
      committed.map(({ partition, offset, metadata }) => ({ topic, partition, offset, metadata })),
    );
  }

  private async runHandler(batch: ConsumedBatch): Promise<OutboundRecord[]> {
    const handler = this.messageHandlers.get(batch.topic);
    if (!handler) throw new Error(`no handler for ${batch.topic}`);
    const result: unknown = await handler(batch);
    const records: unknown = isObservable(result) ? await lastValueFrom(result, { defaultValue: [] }) : result;
    return Array.isArray(records) ? (records as OutboundRecord[]) : [];
  }

  /**
   * Publishes the records of several batches and commits their offsets: atomically when
   * transactional. Resolves with where the records landed.
   */
  private async commitTogether(commits: readonly BatchCommit[]): Promise<WrittenOffsets> {
    const records = (await Promise.all(commits.map((commit) => commit.records))).flat();
    const topics = offsetsByTopic(commits.map((commit) => commit.offset));
    if (!(this.producer instanceof TransactionalProducer)) {
      const written = await sendChunked(this.producer, records);
      await this.consumer.commitOffsets(
        topics.flatMap(({ topic, partitions }) => partitions.map((partition) => ({ topic, ...partition }))),
      );
      return written;
    }
    // Each transaction's offsets carry a mark of their own, so that reading them back tells this
    // commit from another member's (after a rebalance) or a later one of this member's.
    const mark = randomUUID();
    const marked = topics.map(({ topic, partitions }) => ({
      topic,
      partitions: partitions.map((partition) => ({ ...partition, metadata: mark })),
    }));
    return this.producer.inTransaction(
      async (transaction) => {
        const written = await sendChunked(transaction, records, { inTransaction: true });
        await transaction.sendOffsets({ consumerGroupId: this.options.groupId, topics: marked });
        return written;
      },
      { landed: () => this.committedWithMark(marked, mark) },
    );
  }

  /**
   * Whether the transaction that marked its offsets so committed. Its offsets commit together, and
   * only it wrote the mark: one partition still carrying it is proof enough (another member may
   * have committed past the others since).
   */
  private async committedWithMark(topics: readonly { topic: string }[], mark: string): Promise<boolean> {
    return (await this.committedOffsets(topics)).some(({ metadata }) => metadata === mark);
  }
}
