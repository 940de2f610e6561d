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

/** A partition of the conversation events as the brokers see it. */
export interface EventsPartitionOffsets {
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

  constructor(
    @Inject(KAFKA_CLIENT) kafka: Kafka,
    private readonly assignment: ConsumerAssignment,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {
    // One quick try: a decision that cannot get the offsets is conservative, and the tick comes again.
    this.admin = kafka.admin({ retry: { retries: 0 } });
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

  /** The time up to which the partition's timers may be decided now (null: none yet). */
  async decideAt(partition: number, now: Date): Promise<Date | null> {
    if (await this.readWhole(partition)) return now;
    const read = this.readThrough.get(partition);
    return read === undefined ? null : new Date(Math.min(now.getTime(), read));
  }

  /** Whether every event of the partition committed so far has been read (false when the brokers cannot tell). */
  private async readWhole(partition: number): Promise<boolean> {
    try {
      const timeout = delay(OFFSETS_TIMEOUT_MS, undefined, { ref: false }).then(() =>
        Promise.reject(new Error(`the brokers did not answer within ${OFFSETS_TIMEOUT_MS} ms`)),
      );
      void timeout.catch(() => undefined);
      const { end, committed } = await Promise.race([this.offsetsOf(partition), timeout]);
      // Read since the assignment, transaction markers included; before any batch, the group's committed offset.
      const lastRead = this.assignment.lastOffsetRead(Topics.validatedEvents.name, partition);
      return (lastRead ?? committed - 1n) >= end - 1n;
    } catch (error) {
      this.logger.warn({ err: error, partition }, 'could not tell whether every event is read; timers wait');
      return false;
    }
  }

  /** The partition's end and the group's committed offset, from the brokers. */
  protected async offsetsOf(partition: number): Promise<EventsPartitionOffsets> {
    const topic = Topics.validatedEvents.name;
    const [ends, [group]] = await Promise.all([
      this.admin.fetchTopicOffsets(topic),
      this.admin.fetchOffsets({ groupId: TRIGGER_MATCHER_GROUP, topics: [topic] }),
    ]);
    const ofPartition = ends.find((offsets) => offsets.partition === partition);
    if (!ofPartition) throw new Error(`${topic} has no partition ${partition}`);
    const low = BigInt(ofPartition.low);
    const committed = group?.partitions.find((offsets) => offsets.partition === partition)?.offset;
    return {
      end: BigInt(ofPartition.high),
      // '-1': nothing committed yet; or committed before what retention kept: the group reads from the partition's start.
      committed: max(committed === undefined || committed === '-1' ? low : BigInt(committed), low),
    };
  }
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
