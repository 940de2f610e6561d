import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';
import pino from 'pino';
import type { PartitionOffset } from './group-commit';
import { handoverAssigner, waitForHandover } from './handover-assigner';

const logger = pino({ level: 'silent' });
const at = (partition: number, offset: string): PartitionOffset => ({ topic: 'in', partition, offset });

/** An inner assigner that records when it was asked to assign. */
function recordingAssigner(calls: string[]): PartitionAssigner {
  return () => ({
    name: 'Inner',
    version: 1,
    assign: async ({ members }) => {
      calls.push('assign');
      return members.map(({ memberId }) => ({ memberId, memberAssignment: Buffer.alloc(0) }));
    },
    protocol: ({ topics }) => ({
      name: 'Inner',
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }),
    }),
  });
}

const config = { cluster: {} as never, groupId: 'g', logger: {} as never };

describe('handoverAssigner', () => {
  it("announces the member's commits in flight under the inner assigner's name", () => {
    const assigner = handoverAssigner(recordingAssigner([]), {
      pending: () => [at(2, '40')],
      committed: async () => [],
      timeoutMs: 100,
      logger,
    })(config);
    const state = assigner.protocol({ topics: ['in'] });
    expect(state.name).toBe('Inner');
    const metadata = AssignerProtocol.MemberMetadata.decode(state.metadata)!;
    expect(metadata.topics).toEqual(['in']);
    expect(JSON.parse(metadata.userData.toString())).toEqual([at(2, '40')]);
  });

  it('assigns only once the offsets its members announced are committed', async () => {
    const calls: string[] = [];
    let committed = '30';
    const announcing = handoverAssigner(recordingAssigner(calls), {
      pending: () => [at(2, '40')],
      committed: async (partitions) => {
        calls.push(`committed ${partitions.map(({ partition }) => partition).join()}`);
        return [at(2, committed)];
      },
      timeoutMs: 5_000,
      pollMs: 5,
      logger,
    })(config);
    const members = [
      { memberId: 'a', memberMetadata: announcing.protocol({ topics: ['in'] }).metadata },
      { memberId: 'b', memberMetadata: recordingAssigner([])(config).protocol({ topics: ['in'] }).metadata },
    ];
    const assigned = announcing.assign({ members, topics: ['in'] });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(calls).not.toContain('assign');
    committed = '40';
    await assigned;
    expect(calls[calls.length - 1]).toBe('assign');
    expect(calls.filter((call) => call === 'committed 2').length).toBeGreaterThan(1);
  });

  it('gives up waiting after its timeout (a failed commit never lands)', async () => {
    const started = Date.now();
    await expect(
      waitForHandover([at(0, '10')], {
        pending: () => [],
        committed: async () => [at(0, '5')],
        timeoutMs: 50,
        pollMs: 5,
        logger,
      }),
    ).resolves.toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
    await expect(
      waitForHandover([at(0, '10')], {
        pending: () => [],
        committed: async () => [at(0, '11')],
        timeoutMs: 50,
        logger,
      }),
    ).resolves.toBe(true);
  });
});
