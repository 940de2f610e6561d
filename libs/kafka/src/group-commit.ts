import type { OutboundRecord } from './records';

/** The next offset to consume of one partition, once its batch's effect is durable. */
export interface PartitionOffset {
  topic: string;
  partition: number;
  offset: string;
}

/** What one batch asks to make durable: its output records (or their promise) and the offset after it. */
export interface BatchCommit {
  records: readonly OutboundRecord[] | Promise<readonly OutboundRecord[]>;
  offset: PartitionOffset;
}

/**
 * Group commit: batches of different partitions, processed concurrently, share one Kafka
 * transaction (or one produce and one offset commit) instead of paying a transaction each. A batch
 * that asks while a commit is in flight joins the next one; its promise settles with the commit
 * that carried it (and its result), so a failed commit fails every batch in it and none of their
 * offsets move.
 */
export class GroupCommitter<Result = void> {
  private waiting: { commit: BatchCommit; resolve: (result: Result) => void; reject: (error: unknown) => void }[] = [];
  private draining = false;

  constructor(private readonly commitTogether: (commits: readonly BatchCommit[]) => Promise<Result>) {}

  commit(commit: BatchCommit): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ commit, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  /** Fails the batches waiting for the next commit (an earlier one failed, and they come after it). */
  failWaiting(error: unknown): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const { reject } of waiting) reject(error);
  }

  private async drain(): Promise<void> {
    this.draining = true;
    while (this.waiting.length > 0) {
      const group = this.waiting;
      this.waiting = [];
      try {
        const result = await this.commitTogether(group.map(({ commit }) => commit));
        for (const { resolve } of group) resolve(result);
      } catch (error) {
        for (const { reject } of group) reject(error);
      }
    }
    this.draining = false;
  }
}

/** The offsets of several batches in the shape of kafkajs `sendOffsets` / `commitOffsets`, last one per partition. */
export function offsetsByTopic(
  offsets: readonly PartitionOffset[],
): { topic: string; partitions: { partition: number; offset: string }[] }[] {
  const byTopic = new Map<string, Map<number, string>>();
  for (const { topic, partition, offset } of offsets) {
    const partitions = byTopic.get(topic) ?? new Map<number, string>();
    const previous = partitions.get(partition);
    if (previous === undefined || BigInt(offset) > BigInt(previous)) partitions.set(partition, offset);
    byTopic.set(topic, partitions);
  }
  return [...byTopic].map(([topic, partitions]) => ({
    topic,
    partitions: [...partitions].map(([partition, offset]) => ({ partition, offset })),
  }));
}

/** Runs tasks with the same key one after another (tasks of different keys run concurrently). */
export class KeyedSerializer<K> {
  private readonly tails = new Map<K, Promise<unknown>>();

  run<T>(key: K, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
