import { randomUUID } from 'node:crypto';
import { KafkaJSNonRetriableError, type Admin, type Consumer, type IHeaders, type Kafka } from 'kafkajs';
import { partitionOfKey } from './co-partitioned-assigner';
import { restartWhenCrashed } from './consumer-restart';
import { stringHeaders } from './records';
import type { Logger } from 'pino';
import { InvalidInputError, parseJson, type Validator } from '@app/contracts';
import { reportViewLag, viewRecordsRead, type GaugeReading } from '@app/metrics';

export interface CompactedTopicViewOptions<T> {
  kafka: Kafka;
  topic: string;
  validator: Validator<T>;
  /** The view's name in metrics and in its throw-away consumer group (each instance reads the partitions itself). */
  name: string;
  logger: Logger;
  onChange?: (key: string, value: T | null) => void;
  /**
   * Whether `incoming` may replace `current` (default: always). Lets a writer that also updates
   * the view directly (`set`) ignore its own older records when they arrive from the topic.
   */
  isNewer?: (current: T, incoming: T) => boolean;
  /**
   * Whether a record, a value or a tombstone, is no newer than `current`, judged from its headers
   * alone (default: never). Such a record is skipped without being parsed. Lets a writer that
   * versions its records in a header ignore an older tombstone once it wrote a newer value, and
   * skip decoding its own records again when it reads them back after `set`. A value that is not
   * stale is still subject to `isNewer` once parsed.
   */
  isStale?: (current: T, headers: Readonly<Record<string, string>>) => boolean;
  /**
   * Which partitions the view reads: `all` (the default), or `on_request`: none until `follow`,
   * each then from its beginning, until `forget` drops it and its entries — for a writer that
   * only needs the partitions it owns. Records must be on the partition the producers' partitioner
   * gives their partition key (partitionOfKey): that is how `forget` finds a partition's entries.
   */
  partitions?: 'all' | 'on_request';
  /**
   * The part of a key its records are partitioned by (sent as their PARTITION_KEY_HEADER), for
   * keys that hold more than it (default: the whole key).
   */
  partitionKeyOf?: (key: string) => string;
}

/**
 * An in-memory table materialised from a compacted topic (key → latest value; null deletes).
 * Every instance reads all partitions (or those it follows) from the beginning with its own group
 * and commits nothing: the topic itself is the durable state. `start()` resolves once the view
 * has caught up with the end of the topic as it was at start, so a service is not ready before it
 * knows every entry; `catchUp(partition)` does the same for one partition at any time (after a
 * rebalance).
 *
 * Progress is tracked from kafkajs's batch events, which also report batches that hold only
 * transaction markers: with transactional writers the last offset of a partition is often a
 * marker that no message handler ever sees.
 */
export class CompactedTopicView<T> {
  private readonly entries = new Map<string, T>();
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  /** Partition → the last offset read (messages and markers alike), or up to which its writer applied its records. */
  private readonly positions = new Map<number, bigint>();
  /** Partitions whose writer keeps their entries up to date itself: the view does not read them. */
  private readonly held = new Set<number>();
  /** With `partitions: 'on_request'`, the partitions followed; null when the view reads them all. */
  private readonly followed: Set<number> | null;
  private partitionCount = 0;
  private caughtUp = false;
  private stopReportingLag: () => void = () => undefined;
  private readonly stopRestarting: () => void;
  private changeCount = 0;

  constructor(private readonly options: CompactedTopicViewOptions<T>) {
    this.consumer = options.kafka.consumer({
      groupId: `view-${options.name}-${randomUUID()}`,
      readUncommitted: false,
      // Leaving waits for the fetch in flight: a short long-poll keeps a service's shutdown (one
      // such wait per view, one after another) well inside SHUTDOWN_TIMEOUT_MS.
      maxWaitTimeInMs: 500,
    });
    this.admin = options.kafka.admin();
    // Restarted, it reads the topic from the beginning again (a new member of its own group).
    this.stopRestarting = restartWhenCrashed(this.consumer, {
      name: `view ${options.name}`,
      run: () => this.runConsumer(),
      logger: options.logger,
    });
    this.followed = options.partitions === 'on_request' ? new Set() : null;
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => this.continueFromPositions());
    // Present from the start, so that a view stuck before reading anything is seen as stuck.
    viewRecordsRead.inc({ view: options.name }, 0);
    this.consumer.on(this.consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (payload.topic !== options.topic || !this.reads(payload.partition)) return;
      viewRecordsRead.inc({ view: options.name }, payload.batchSize);
      const last = BigInt(payload.lastOffset);
      if (last > (this.positions.get(payload.partition) ?? -1n)) this.positions.set(payload.partition, last);
    });
  }

  /** The compacted topic the view reads. */
  get topic(): string {
    return this.options.topic;
  }

  get(key: string): T | undefined {
    return this.entries.get(key);
  }

  values(): IterableIterator<T> {
    return this.entries.values();
  }

  get size(): number {
    return this.entries.size;
  }

  /** Increases on every change, so that readers can cache what they derive from the view. */
  get changes(): number {
    return this.changeCount;
  }

  isCaughtUp(): boolean {
    return this.caughtUp;
  }

  /** Updates the view directly, for the writer of the topic once its write is committed (not for a partition not followed). */
  set(key: string, value: T): void {
    if (this.followed && !this.followed.has(this.partitionOf(key))) return;
    this.apply(key, value);
  }

  /** Deletes an entry directly, for the writer of the topic once its tombstone is committed. */
  delete(key: string): void {
    if (!this.entries.delete(key)) return;
    this.changeCount += 1;
    this.options.onChange?.(key, null);
  }

  /**
   * Stops reading a partition whose only writer now keeps its entries up to date itself (`set`,
   * `delete`, `advance`), as trigger-matcher does for the conversations of the partitions it owns:
   * reading its own records back would only cost. Catch the partition up first. Its records
   * fetched before and delivered after are not applied.
   */
  hold(partition: number): void {
    this.held.add(partition);
    this.whileRunning(() => this.consumer.pause([{ topic: this.options.topic, partitions: [partition] }]));
  }

  isHeld(partition: number): boolean {
    return this.held.has(partition);
  }

  heldPartitions(): number[] {
    return [...this.held];
  }

  /**
   * The writer of a held partition applied its records up to `offset` itself (wherever they came
   * after what the view had read, since it is the only writer): on release, the view reads on
   * from there.
   */
  advance(partition: number, offset: bigint): void {
    if (!this.held.has(partition)) return;
    if (offset > (this.positions.get(partition) ?? -1n)) this.positions.set(partition, offset);
  }

  /**
   * Reads a held partition again, from the first record neither read nor applied by its writer:
   * another member may write it now. `catchUp` tells when the view has read what it wrote.
   */
  release(partition: number): void {
    if (!this.held.delete(partition)) return;
    const { topic } = this.options;
    this.whileRunning(() => {
      this.consumer.seek({ topic, partition, offset: String((this.positions.get(partition) ?? -1n) + 1n) });
      this.consumer.resume([{ topic, partitions: [partition] }]);
    });
  }

  /** Whether the view reads or holds the partition: always, unless it follows partitions on request. */
  isFollowed(partition: number): boolean {
    return this.followed?.has(partition) ?? true;
  }

  /** The partitions followed on request; every partition of the topic when the view reads them all. */
  followedPartitions(): number[] {
    return this.followed
      ? [...this.followed]
      : Array.from({ length: this.partitionCount }, (_, partition) => partition);
  }

  /**
   * Starts reading a partition, from its beginning (`partitions: 'on_request'`; otherwise every
   * partition is read anyway). `catchUp` tells when the view has read what is there.
   */
  follow(partition: number): void {
    if (!this.followed || this.followed.has(partition)) return;
    this.followed.add(partition);
    const { topic } = this.options;
    this.whileRunning(() => {
      this.consumer.seek({ topic, partition, offset: '0' });
      this.consumer.resume([{ topic, partitions: [partition] }]);
    });
  }

  /**
   * Stops reading a followed partition and drops its entries (each one reported to `onChange` as
   * deleted): its writer is elsewhere now. Following it again reads it from its beginning.
   */
  forget(partition: number): void {
    if (!this.followed?.delete(partition)) return;
    this.held.delete(partition);
    this.positions.delete(partition);
    this.whileRunning(() => this.consumer.pause([{ topic: this.options.topic, partitions: [partition] }]));
    for (const key of [...this.entries.keys()]) {
      if (this.partitionOf(key) === partition) this.delete(key);
    }
  }
  private partitionOf(key: string): number {
    return partitionOfKey(this.options.partitionKeyOf?.(key) ?? key, this.partitionCount);
  }

  /**
   * Connects and reads the topic (every partition up to its end, unless partitions are followed on
   * request). A start that fails disconnects again: its caller has no view to stop, and a consumer
   * left connected would keep its process alive, reconnecting.
   */
  async start(stallMs = 60_000): Promise<void> {
    try {
      await this.connectAndRead(stallMs);
    } catch (error) {
      await this.stop().catch((stopError: unknown) =>
        this.options.logger.warn(
          { err: stopError, topic: this.options.topic },
          'stopping a view that failed to start failed',
        ),
      );
      throw error;
    }
  }

  private async connectAndRead(stallMs: number): Promise<void> {
    await this.admin.connect();
    this.stopReportingLag = reportViewLag(() => this.lag());
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.options.topic, fromBeginning: true });
    await this.runConsumer();
    const ends = await this.admin.fetchTopicOffsets(this.options.topic);
    this.partitionCount = ends.length;
    if (this.followed) {
      // Nothing is read before it is asked for; records fetched before the pause are skipped.
      const partitions = ends.map((end) => end.partition).filter((partition) => !this.followed!.has(partition));
      this.consumer.pause([{ topic: this.options.topic, partitions }]);
    } else {
      await Promise.all(ends.map((end) => this.waitForPosition(end.partition, lastOffsetOf(end), stallMs)));
    }
    this.caughtUp = true;
  }

  /**
   * Resolves once everything committed to the partition until now has been read, or once the
   * partition is no longer followed (`forget`: whoever waited has lost it).
   */
  async catchUp(partition: number, stallMs = 30_000): Promise<void> {
    const ends = await this.admin.fetchTopicOffsets(this.options.topic);
    const end = ends.find((candidate) => candidate.partition === partition);
    if (!end) throw new Error(`${this.options.topic} has no partition ${partition}`);
    await this.waitForPosition(partition, lastOffsetOf(end), stallMs);
  }

  /**
   * catchUp on the partition that holds `key`: the view then has its entry as last committed. Of
   * a view that follows partitions on request, only a followed partition is read.
   */
  catchUpOn(key: string, stallMs?: number): Promise<void> {
    return this.catchUp(this.partitionOf(key), stallMs);
  }

  /**
   * How far behind the end of each partition the view is, in offsets (transaction markers count:
   * the view's position covers them too); 0 when it has read everything committed so far, and for
   * a held partition, whose writer keeps it up to date, and for one not followed.
   */
  async lag(): Promise<GaugeReading<'view' | 'topic' | 'partition'>[]> {
    const { name: view, topic } = this.options;
    try {
      const ends = await this.admin.fetchTopicOffsets(topic);
      return ends.map((end) => ({
        labels: { view, topic, partition: String(end.partition) },
        value: this.reads(end.partition) ? offsetsBehind(lastOffsetOf(end), this.positions.get(end.partition)) : 0,
      }));
    } catch (error) {
      // Thrown on: the scrape leaves the series out and counts it (aw_metric_source_failures_total).
      this.options.logger.warn({ err: error, topic }, 'reading the end offsets of a view topic failed');
      throw error;
    }
  }

  /**
   * Moves the consumer (seek, pause, resume), unless it is down: crashed and not yet restarted,
   * kafkajs refuses ("consumer#run must be called first"). Nothing is lost by skipping it: once
   * restarted, the consumer joins again and `continueFromPositions` seeks and pauses every
   * partition as the view's state says. (Thrown from a listener of the consumer's crash, the
   * error would also stop kafkajs from restarting the consumer.)
   */
  private whileRunning(move: () => void): void {
    try {
      move();
    } catch (error) {
      if (!(error instanceof KafkaJSNonRetriableError) || !/consumer#run must be called/.test(error.message))
        throw error;
    }
  }

  /**
   * At every join of the view's group. A restarted consumer (kafkajs's restart after a retriable
   * crash, or `restartWhenCrashed`) joins as a new member that has forgotten the seeks and pauses
   * of the one before: it would read every partition from its beginning again, and entries would
   * go back to older values until it had caught up (a revoked API key valid again for a moment).
   * Each partition the view reads continues after what it has read; the others stay paused. At
   * the first join nothing has been read yet, and this changes nothing.
   */
  private continueFromPositions(): void {
    const { topic } = this.options;
    this.whileRunning(() => {
      for (let partition = 0; partition < this.partitionCount; partition += 1) {
        const position = this.positions.get(partition);
        if (!this.reads(partition)) this.consumer.pause([{ topic, partitions: [partition] }]);
        else if (position !== undefined) this.consumer.seek({ topic, partition, offset: String(position + 1n) });
      }
    });
  }

  private runConsumer(): Promise<void> {
    return this.consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        if (!this.reads(partition)) return;
        this.applyRecord(message.key?.toString('utf8') ?? null, message.value ?? null, message.headers);
      },
    });
  }

  async stop(): Promise<void> {
    this.stopRestarting();
    this.stopReportingLag();
    // Stopped, it reads nothing more: a writer releasing a partition later (leaving its group) has nothing to resume.
    this.held.clear();
    await this.consumer.disconnect();
    await this.admin.disconnect();
  }

  /**
   * Waits until the view has read the partition up to `target`. Gives up only when reading stalls
   * for `stallMs`: a large partition takes as long as it takes (a takeover restores it whole).
   */
  private async waitForPosition(partition: number, target: bigint, stallMs: number): Promise<void> {
    let position = this.positions.get(partition) ?? -1n;
    let progressAt = Date.now();
    while (this.isFollowed(partition) && position < target) {
      if (Date.now() - progressAt > stallMs) {
        throw new Error(
          `${this.options.topic}[${partition}]: not caught up to offset ${target}; stuck at ${position} for ${stallMs} ms`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
      const now = this.positions.get(partition) ?? -1n;
      if (now > position) progressAt = Date.now();
      position = now;
    }
  }

  /** Whether the view reads the partition from the topic: followed, and not held by its writer. */
  private reads(partition: number): boolean {
    return this.isFollowed(partition) && !this.held.has(partition);
  }

  private applyRecord(key: string | null, value: Buffer | null, headers: IHeaders | undefined): void {
    if (key === null) {
      this.options.logger.error({ topic: this.options.topic }, 'ignoring a record without a key');
      return;
    }
    const current = this.entries.get(key);
    if (current !== undefined && this.options.isStale?.(current, stringHeaders(headers))) return;
    if (value === null) {
      this.entries.delete(key);
      this.changeCount += 1;
      this.options.onChange?.(key, null);
      return;
    }
    try {
      this.apply(key, parseJson(value, this.options.validator));
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      // A table cannot skip ahead: keep the previous value and say loudly that the writer is broken.
      this.options.logger.error(
        { topic: this.options.topic, key, reason: error.message },
        'invalid record in compacted topic',
      );
    }
  }

  private apply(key: string, value: T): void {
    const current = this.entries.get(key);
    if (current !== undefined && this.options.isNewer && !this.options.isNewer(current, value)) return;
    this.entries.set(key, value);
    this.changeCount += 1;
    this.options.onChange?.(key, value);
  }
}

/** How many offsets a reader at `position` (the last offset it read; none yet: undefined) is behind `last`. */
export function offsetsBehind(last: bigint, position: bigint | undefined): number {
  const behind = last - (position ?? -1n);
  return behind > 0n ? Number(behind) : 0;
}

/** The offset of the last record of a partition, or -1 when it holds none (empty, or all deleted). */
function lastOffsetOf(end: { high: string; low: string }): bigint {
  return BigInt(end.high) > BigInt(end.low) ? BigInt(end.high) - 1n : -1n;
}
