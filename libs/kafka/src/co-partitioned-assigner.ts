import { AssignerProtocol, Partitioners, type PartitionAssigner, type PartitionMetadata } from 'kafkajs';

/**
 * A group assignment that gives partition p of every subscribed topic to the same member, like
 * Kafka Streams does for co-partitioned topics: a consumer of two topics keyed alike (validated
 * events and timer ticks, by conversation) then owns all of a conversation's records, and is the
 * only writer of its state. Partitions are dealt round robin over the members sorted by id.
 */
export const CoPartitionedAssigner: PartitionAssigner = ({ cluster }) => ({
  name: 'CoPartitionedAssigner',
  version: 0,
  async assign({ members, topics }) {
    const memberIds = members.map(({ memberId }) => memberId).sort();
    const assignment = new Map<string, Record<string, number[]>>(memberIds.map((id) => [id, {}]));
    for (const topic of topics) {
      for (const { partitionId } of cluster.findTopicPartitionMetadata(topic)) {
        const byTopic = assignment.get(memberIds[partitionId % memberIds.length]!)!;
        (byTopic[topic] ??= []).push(partitionId);
      }
    }
    return [...assignment].map(([memberId, byTopic]) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({
        version: 0,
        assignment: byTopic,
        userData: Buffer.alloc(0),
      }),
    }));
  },
  protocol({ topics }) {
    return {
      name: 'CoPartitionedAssigner',
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }),
    };
  },
});

/**
 * The partitions of a topic this process's consumer owns now, and how far it has read each since
 * it was assigned: kept up to date by the consumer transport.
 */
export class ConsumerAssignment {
  private byTopic = new Map<string, ReadonlySet<number>>();
  /** `topic/partition` → the last offset processed, transaction markers included. */
  private readonly lastRead = new Map<string, bigint>();
  private readonly listeners: (() => void)[] = [];
  private changes = 0;

  partitionsOf(topic: string): ReadonlySet<number> {
    return this.byTopic.get(topic) ?? new Set();
  }

  /** The partition numbers assigned, of any topic (co-partitioned topics share them). */
  partitions(): ReadonlySet<number> {
    return new Set([...this.byTopic.values()].flatMap((partitions) => [...partitions]));
  }

  /** Increases on every replacement, so that a reader can tell whether the assignment changed meanwhile. */
  get generation(): number {
    return this.changes;
  }

  /** Calls `listener` on every replacement, synchronously, before any batch of the new assignment. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /**
   * The last offset of the partition the consumer has processed since it was assigned (with commits
   * not pipelined: processed and committed), transaction markers included, so that it reaches the
   * partition's end offset minus one once everything there is read; undefined before the first batch.
   */
  lastOffsetRead(topic: string, partition: number): bigint | undefined {
    return this.lastRead.get(`${topic}/${partition}`);
  }

  /** Notes a processed batch (kafkajs's END_BATCH_PROCESS, also sent for batches of markers only). */
  noteRead(topic: string, partition: number, lastOffset: bigint): void {
    const key = `${topic}/${partition}`;
    if (lastOffset > (this.lastRead.get(key) ?? -1n)) this.lastRead.set(key, lastOffset);
  }

  /** Replaces the assignment (after a group join); an empty one after a crash or leaving the group. */
  set(assignment: Record<string, number[]>): void {
    this.lastRead.clear();
    this.byTopic = new Map(Object.entries(assignment).map(([topic, partitions]) => [topic, new Set(partitions)]));
    this.changes += 1;
    for (const listener of this.listeners) listener();
  }
}

const keyPartitioner = Partitioners.DefaultPartitioner();
/** Partition count → the metadata the partitioner reads; built once per count, not once per key. */
const partitionMetadata = new Map<number, PartitionMetadata[]>();

/** The partition the producers of this lib (murmur2, like the Java client) put a key on. */
export function partitionOfKey(key: string, partitionCount: number): number {
  let metadata = partitionMetadata.get(partitionCount);
  if (!metadata) {
    metadata = Array.from({ length: partitionCount }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      partitionErrorCode: 0,
      replicas: [],
      isr: [],
    }));
    partitionMetadata.set(partitionCount, metadata);
  }
  return keyPartitioner({ topic: '', partitionMetadata: metadata, message: { key, value: null } });
}
