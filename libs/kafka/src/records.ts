/** A record as consumed: raw bytes, so that a poison message can be dead-lettered exactly as it came. */
export interface ConsumedMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
  /** Broker timestamp, milliseconds since the epoch. */
  readonly timestamp: number;
}

/** The messages of one partition that a handler processes together; offsets commit after it returns. */
export interface ConsumedBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly ConsumedMessage[];
  /** Tells the group this member is alive; call it between slow messages (it is rate-limited). */
  readonly heartbeat: () => Promise<void>;
  /**
   * Runs `callback` once the batch's output and offsets are committed (never if they are not),
   * with where the commit's records landed (those of other batches committed with it included).
   */
  readonly afterCommit: (callback: (written: WrittenOffsets) => void) => void;
  /**
   * Runs `callback` once it is certain that this processing of the batch will not commit (its
   * handler or its commit failed, or the partition moved meanwhile): the batch is read again.
   */
  readonly afterDiscard: (callback: () => void) => void;
  /**
   * Adds records for the batch to publish with its offsets that are not ready when the handler
   * returns (work still in flight), after the handler's own. The commit waits for them; a consumer
   * with pipelined commits meanwhile goes on with the next batches. If `records` rejects, the
   * batch does not commit and is read again, as after a failed commit.
   */
  readonly publishLater: (records: Promise<readonly OutboundRecord[]>) => void;
}

/**
 * Where published records landed: for each partition written to, the offset of the first record
 * of the last request that wrote there. Every record sent to the partition before that request
 * lies below it; the records of that request lie at or just after it.
 */
export class WrittenOffsets {
  private readonly offsets = new Map<string, bigint>();

  /** Adds what the brokers answered to a produce request. */
  add(landed: readonly { topicName: string; partition: number; baseOffset?: string }[]): void {
    for (const { topicName, partition, baseOffset } of landed) {
      if (baseOffset === undefined) continue;
      const key = `${topicName}|${partition}`;
      const offset = BigInt(baseOffset);
      if (offset > (this.offsets.get(key) ?? -1n)) this.offsets.set(key, offset);
    }
  }

  lastBaseOffset(topic: string, partition: number): bigint | undefined {
    return this.offsets.get(`${topic}|${partition}`);
  }
}

/** A record a handler asks to publish; published atomically with the batch's offsets. */
export interface OutboundRecord {
  readonly topic: string;
  /** Where the record must go; by default the partition of its key (or of its PARTITION_KEY_HEADER). */
  readonly partition?: number;
  readonly key: string | Buffer | null;
  readonly value: string | Buffer | null;
  readonly headers?: Record<string, string>;
}

/**
 * A header naming the key a record is partitioned by when that is not its own key: a compacted
 * topic keyed by execution id keeps one conversation's executions in one partition this way.
 */
export const PARTITION_KEY_HEADER = 'partition-key';

export function jsonRecord(
  topic: string,
  key: string,
  value: unknown,
  headers?: Record<string, string>,
): OutboundRecord {
  return { topic, key, value: JSON.stringify(value), headers };
}

export function byteLength(record: OutboundRecord): number {
  const size = (part: string | Buffer | null | undefined) =>
    part == null ? 0 : typeof part === 'string' ? Buffer.byteLength(part) : part.length;
  const headerBytes = Object.entries(record.headers ?? {}).reduce((sum, [k, v]) => sum + k.length + size(v), 0);
  return size(record.key) + size(record.value) + headerBytes + 64;
}

/** Kafka headers as strings (the last value of a repeated header). */
export function stringHeaders(headers: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? String(value[value.length - 1]) : String(value);
  }
  return out;
}
