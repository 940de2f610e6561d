import type { PartitionOffset } from './group-commit';

/** A batch whose offsets were resolved while its commit is still on its way. */
export interface InFlightBatch {
  topic: string;
  partition: number;
  /** Its first offset: where its partition is read again from when its commit fails. */
  firstOffset: string;
  /** The offset after it: what its commit stores. */
  nextOffset: string;
}

/**
 * The batches of a consumer with pipelined commits (it fetches and processes the next batches while
 * earlier ones commit), per partition in commit order. It answers the two questions pipelining
 * raises: where to read again from when a commit fails (each partition with a batch in flight,
 * from its oldest one), and what a group rebalance must wait for before another member may read
 * a partition (the furthest offset in flight).
 */
export class InFlightBatches {
  private readonly byPartition = new Map<string, InFlightBatch[]>();

  add(batch: InFlightBatch): void {
    const key = partitionKey(batch);
    const batches = this.byPartition.get(key);
    if (batches) batches.push(batch);
    else this.byPartition.set(key, [batch]);
  }

  /** Its commit succeeded. Commits are made in order, so it is the oldest of its partition. */
  committed(batch: InFlightBatch): void {
    const key = partitionKey(batch);
    const batches = this.byPartition.get(key);
    const index = batches?.indexOf(batch) ?? -1;
    if (index < 0) return;
    batches!.splice(0, index + 1);
    if (batches!.length === 0) this.byPartition.delete(key);
  }

  /** A commit failed: forgets every batch in flight and returns where each partition is read again from. */
  rewind(): PartitionOffset[] {
    const from = [...this.byPartition.values()].map(([oldest]) => ({
      topic: oldest!.topic,
      partition: oldest!.partition,
      offset: oldest!.firstOffset,
    }));
    this.byPartition.clear();
    return from;
  }

  /** The offset each partition with a batch in flight will have committed once they all are. */
  pending(): PartitionOffset[] {
    return [...this.byPartition.values()].map((batches) => {
      const newest = batches[batches.length - 1]!;
      return { topic: newest.topic, partition: newest.partition, offset: newest.nextOffset };
    });
  }
}

export function partitionKey({ topic, partition }: { topic: string; partition: number }): string {
  return `${topic}\u0000${partition}`;
}
