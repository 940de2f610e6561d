import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { InvalidInputError, parseJson, type Validator } from '@app/contracts';

export interface CompactedTopicViewOptions<T> {
  kafka: Kafka;
  topic: string;
  validator: Validator<T>;
  /** Prefix of the throw-away consumer group; each instance reads every partition itself. */
  groupIdPrefix: string;
  logger: Logger;
  onChange?: (key: string, value: T | null) => void;
}

/**
 * An in-memory table materialised from a compacted topic (key → latest value; null deletes).
 * Every instance reads all partitions from the beginning with its own group and commits nothing:
 * the topic itself is the durable state. `start()` resolves once the view has caught up with the
 * end of the topic as it was at start, so a service is not ready before it knows every entry.
 */
export class CompactedTopicView<T> {
  private readonly entries = new Map<string, T>();
  private readonly consumer: Consumer;
  private caughtUp = false;

  constructor(private readonly options: CompactedTopicViewOptions<T>) {
    this.consumer = options.kafka.consumer({
      groupId: `${options.groupIdPrefix}-${randomUUID()}`,
      readUncommitted: false,
    });
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

  isCaughtUp(): boolean {
    return this.caughtUp;
  }

  async start(timeoutMs = 60_000): Promise<void> {
    const admin = this.options.kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(this.options.topic).finally(() => admin.disconnect());
    // Partition → offset of the last record present at start; absent when the partition is empty.
    const pending = new Map(
      ends.filter((end) => BigInt(end.high) > BigInt(end.low)).map((end) => [end.partition, BigInt(end.high) - 1n]),
    );
    let markCaughtUp: () => void = () => undefined;
    const caughtUp = new Promise<void>((resolve) => (markCaughtUp = resolve));
    const settle = () => {
      if (pending.size === 0 && !this.caughtUp) {
        this.caughtUp = true;
        markCaughtUp();
      }
    };
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.options.topic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        this.apply(message.key?.toString('utf8') ?? null, message.value ?? null);
        const last = pending.get(partition);
        if (last !== undefined && BigInt(message.offset) >= last) {
          pending.delete(partition);
          settle();
        }
      },
    });
    settle();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${this.options.topic}: not caught up after ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    await Promise.race([caughtUp, timeout]).finally(() => clearTimeout(timer));
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }

  private apply(key: string | null, value: Buffer | null): void {
    if (key === null) {
      this.options.logger.error({ topic: this.options.topic }, 'ignoring a record without a key');
      return;
    }
    if (value === null) {
      this.entries.delete(key);
      this.options.onChange?.(key, null);
      return;
    }
    try {
      const entry = parseJson(value, this.options.validator);
      this.entries.set(key, entry);
      this.options.onChange?.(key, entry);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      // A table cannot skip ahead: keep the previous value and say loudly that the writer is broken.
      this.options.logger.error(
        { topic: this.options.topic, key, reason: error.message },
        'invalid record in compacted topic',
      );
    }
  }
}
