import type { Admin } from 'kafkajs';

export interface PartitionLag {
  group: string;
  topic: string;
  partition: number;
  lag: number;
}

/**
 * How far a consumer group is behind, per partition: the partition's end offset minus the group's
 * committed offset (or minus the log start when the group has committed nothing). Read from the
 * brokers with the admin API, so it keeps growing when the consumer is stuck, unlike the lag a
 * consumer sees in the batches it fetches. On a topic written in transactions a caught-up group
 * shows a lag of 1: the last offset is the commit marker, which no consumer ever receives.
 */
export async function consumerGroupLag(
  admin: Admin,
  group: string,
  topics: readonly string[],
): Promise<PartitionLag[]> {
  const committed = await admin.fetchOffsets({ groupId: group, topics: [...topics] });
  const lags = await Promise.all(
    committed.map(async ({ topic, partitions }) => {
      const ends = new Map((await admin.fetchTopicOffsets(topic)).map((end) => [end.partition, end]));
      return partitions.flatMap(({ partition, offset }): PartitionLag[] => {
        const end = ends.get(partition);
        if (!end) return [];
        const from = BigInt(offset) >= 0n ? BigInt(offset) : BigInt(end.low);
        const lag = BigInt(end.high) - from;
        return [{ group, topic, partition, lag: Number(lag > 0n ? lag : 0n) }];
      });
    }),
  );
  return lags.flat();
}
