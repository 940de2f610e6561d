import { setTimeout as delay } from 'node:timers/promises';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { Topics } from '@app/contracts';
import { ConsumerAssignment, KAFKA_CLIENT, type ConsumedBatch, type Kafka } from '@app/kafka';
import { APP_LOGGER } from '@app/platform';

/** trigger-matcher's consumer group (of the conversation events and the timer ticks). */
export const TRIGGER_MATCHER_GROUP = 'trigger-matcher';

/** How long a timer decision waits for the brokers' offsets; without them it decides conservatively. */
const OFFSETS_TIMEOUT_MS = 2_000;

/** The brokers' answers about the conversation events topic. */
interface TopicOffsets {
  /** When they were asked for: their end offsets cover every event appended before. */
  askedAt: number;
  ends: { partition: number; high: string; low: string }[];
  committed: { partition: number; offset: string }[];
}

/** A partition of the conversation events as the brokers see it. */
interface EventsPartitionOffsets {
  askedAt: number;
  /** The offset after its last record (the high watermark). */
  end: bigint;
  /** trigger-matcher's committed offset there; the partition's start when it committed none. */
  committed: bigint;
}

/**
 * How far trigger-matcher has read each partition of the conversation events, for deciding timers.
 * Ticks and events are separate topics: after a restart, or during a backlog, a tick can arrive
 * while the reply that cancels its timer still waits in the events topic. So a partition's timers
 * are decided only up to a time every event appended before has been read: now, once the consumer
 * has read the whole partition; otherwise the newest event it has read (the ones still waiting
 * were appended after it); and not at all before it has read one (the schedule sends the tick again).
 */
@Injectable()
export class EventsWatermark implements OnApplicationBootstrap, OnApplicationShutdown {
  /** Per partition, the newest append time (ms) of the events this instance has committed. */
  private readonly readThrough = new Map<number, number>();
  private readonly admin;
  private inFlight: Promise<TopicOffsets> | null = null;

  constructor(
    @Inject(KAFKA_CLIENT) kafka: Kafka,
    private readonly assignment: ConsumerAssignment,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {
    this.admin = kafka.admin();
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.admin.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.admin.disconnect();
  }

  /** Notes a batch of events as read, once it commits (a batch that does not commit is read again). */
  observe(batch: ConsumedBatch): void {
    let newest = -Infinity;
    for (const { timestamp } of batch.messages) if (timestamp > newest) newest = timestamp;
    if (newest === -Infinity) return;
    batch.afterCommit(() => {
      if (newest > (this.readThrough.get(batch.partition) ?? -Infinity)) this.readThrough.set(batch.partition, newest);
    });
  }

  /**
   * The time up to which the partition's timers may be decided now (null: none yet): the latest
   * time before which every event appended to the partition is known to be read, at most `now`.
   */
  async decideAt(partition: number, now: Date): Promise<Date | null> {
    const bounds = [await this.readWholeAsOf(partition), this.readThrough.get(partition)].filter(
      (bound): bound is number => bound !== undefined,
    );
    return bounds.length === 0 ? null : new Date(Math.min(now.getTime(), Math.max(...bounds)));
  }

  /**
   * When the brokers were asked for the partition's end, if the consumer has read up to it since
   * (everything appended before then is read); undefined when not, or when the brokers cannot tell.
   */
  private async readWholeAsOf(partition: number): Promise<number | undefined> {
    try {
      const timeout = delay(OFFSETS_TIMEOUT_MS, undefined, { ref: false }).then(() =>
        Promise.reject(new Error(`the brokers did not answer within ${OFFSETS_TIMEOUT_MS} ms`)),
      );
      void timeout.catch(() => undefined);
      const { end, committed, askedAt } = await Promise.race([this.offsetsOf(partition), timeout]);
      // Read since the assignment, transaction markers included; before any batch, the group's committed offset.
      const lastRead = this.assignment.lastOffsetRead(Topics.validatedEvents.name, partition);
      return (lastRead ?? committed - 1n) >= end - 1n ? askedAt : undefined;
    } catch (error) {
      this.logger.warn({ err: error, partition }, 'could not tell whether every event is read; timers wait');
      return undefined;
    }
  }

  /** The partition's end and the group's committed offset, from the brokers. */
  private async offsetsOf(partition: number): Promise<EventsPartitionOffsets> {
    const { ends, committed, askedAt } = await this.topicOffsets();
    const ofPartition = ends.find((offsets) => offsets.partition === partition);
    if (!ofPartition) throw new Error(`${Topics.validatedEvents.name} has no partition ${partition}`);
    const low = BigInt(ofPartition.low);
    const offset = committed.find((offsets) => offsets.partition === partition)?.offset;
    return {
      askedAt,
      end: BigInt(ofPartition.high),
      // '-1': nothing committed yet; or committed before what retention kept: the group reads from the partition's start.
      committed: max(offset === undefined || offset === '-1' ? low : BigInt(offset), low),
    };
  }

  /**
   * Every partition's offsets, one request at a time: the ticks of all partitions share it (each
   * decides only up to when it was asked), and while the brokers are slow (kafkajs retries) no
   * further requests pile up behind it.
   */
  private topicOffsets(): Promise<TopicOffsets> {
    this.inFlight ??= (async () => {
      const askedAt = Date.now();
      const topic = Topics.validatedEvents.name;
      const [ends, [group]] = await Promise.all([
        this.admin.fetchTopicOffsets(topic),
        this.admin.fetchOffsets({ groupId: TRIGGER_MATCHER_GROUP, topics: [topic] }),
      ]);
      return { askedAt, ends, committed: group?.partitions ?? [] };
    })().finally(() => (this.inFlight = null));
    return this.inFlight;
  }
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
