import { AssignerProtocol, type Cluster } from 'kafkajs';
import { CoPartitionedAssigner, partitionOfKey } from './co-partitioned-assigner';

describe('CoPartitionedAssigner', () => {
  it('gives partition p of every topic to the same member', async () => {
    const partitions = (count: number) => Array.from({ length: count }, (_, partitionId) => ({ partitionId }));
    const cluster = { findTopicPartitionMetadata: () => partitions(5) } as unknown as Cluster;
    const assigner = CoPartitionedAssigner({ cluster, groupId: 'g', logger: undefined as never });
    const assignments = await assigner.assign({
      members: [{ memberId: 'b' }, { memberId: 'a' }].map((member) => ({ ...member, memberMetadata: Buffer.alloc(0) })),
      topics: ['events', 'ticks'],
    });
    const byMember = Object.fromEntries(
      assignments.map(({ memberId, memberAssignment }) => [
        memberId,
        AssignerProtocol.MemberAssignment.decode(memberAssignment)!.assignment,
      ]),
    );
    expect(byMember).toEqual({ a: { events: [0, 2, 4], ticks: [0, 2, 4] }, b: { events: [1, 3], ticks: [1, 3] } });
  });

  it('finds the partition of a key as the producers put it (murmur2, like the Java client)', () => {
    // Kafka's own test vectors (UtilsTest.testMurmur2): murmur2("21") = -973932308,
    // murmur2("abc") = 479470107; the partition is (hash & 0x7fffffff) % partitions.
    expect(partitionOfKey('21', 7)).toBe((-973932308 & 0x7fffffff) % 7);
    expect(partitionOfKey('abc', 7)).toBe((479470107 & 0x7fffffff) % 7);
  });
});
