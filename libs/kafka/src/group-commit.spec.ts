import { GroupCommitter, KeyedSerializer, offsetsByTopic, type BatchCommit } from './group-commit';

const commitOf = (partition: number, offset: string): BatchCommit => ({
  records: [{ topic: 'out', key: String(partition), value: offset }],
  offset: { topic: 'in', partition, offset },
});

describe('GroupCommitter', () => {
  it('commits batches that arrive while a commit is in flight together, in the next commit', async () => {
    const calls: BatchCommit[][] = [];
    let release: () => void = () => undefined;
    const committer = new GroupCommitter(async (commits) => {
      calls.push([...commits]);
      if (calls.length === 1) await new Promise<void>((resolve) => (release = resolve));
    });
    const first = committer.commit(commitOf(0, '10'));
    const second = committer.commit(commitOf(1, '20'));
    const third = committer.commit(commitOf(2, '30'));
    release();
    await Promise.all([first, second, third]);
    expect(calls.map((group) => group.map((commit) => commit.offset.partition))).toEqual([[0], [1, 2]]);
  });

  it('fails every batch of a failed commit, and commits later batches afresh', async () => {
    let fail = true;
    const committer = new GroupCommitter(async () => {
      if (fail) throw new Error('transaction aborted');
    });
    const failed = [committer.commit(commitOf(0, '1')), committer.commit(commitOf(1, '1'))];
    await expect(failed[0]).rejects.toThrow('transaction aborted');
    await expect(failed[1]).rejects.toThrow('transaction aborted');
    fail = false;
    await expect(committer.commit(commitOf(0, '1'))).resolves.toBeUndefined();
  });
});

describe('GroupCommitter.failWaiting', () => {
  it('fails the batches queued behind the commit in flight, which itself still lands', async () => {
    let release: () => void = () => undefined;
    const committed: number[] = [];
    const committer = new GroupCommitter(async (commits) => {
      if (committed.length === 0) await new Promise<void>((resolve) => (release = resolve));
      committed.push(...commits.map((commit) => commit.offset.partition));
    });
    const inFlight = committer.commit(commitOf(0, '1'));
    const queued = committer.commit(commitOf(1, '1'));
    committer.failWaiting(new Error('an earlier commit failed'));
    release();
    await expect(inFlight).resolves.toBeUndefined();
    await expect(queued).rejects.toThrow('an earlier commit failed');
    expect(committed).toEqual([0]);
  });
});

describe('offsetsByTopic', () => {
  it('groups offsets by topic and keeps the furthest offset of a partition', () => {
    expect(
      offsetsByTopic([
        { topic: 'a', partition: 0, offset: '9' },
        { topic: 'b', partition: 0, offset: '3' },
        { topic: 'a', partition: 0, offset: '12' },
        { topic: 'a', partition: 1, offset: '4' },
      ]),
    ).toEqual([
      {
        topic: 'a',
        partitions: [
          { partition: 0, offset: '12' },
          { partition: 1, offset: '4' },
        ],
      },
      { topic: 'b', partitions: [{ partition: 0, offset: '3' }] },
    ]);
  });
});

describe('KeyedSerializer', () => {
  it('runs tasks of one key in order, even after a failure, and other keys alongside', async () => {
    const serializer = new KeyedSerializer<number>();
    const log: string[] = [];
    const task =
      (name: string, ms: number, fail = false) =>
      async () => {
        log.push(`start ${name}`);
        await new Promise((resolve) => setTimeout(resolve, ms));
        log.push(`end ${name}`);
        if (fail) throw new Error(name);
      };
    const runs = [
      serializer.run(0, task('0a', 20, true)).catch(() => 'failed'),
      serializer.run(0, task('0b', 1)),
      serializer.run(1, task('1a', 1)),
    ];
    await Promise.all(runs);
    expect(log.indexOf('start 0b')).toBeGreaterThan(log.indexOf('end 0a'));
    expect(log.indexOf('end 1a')).toBeLessThan(log.indexOf('end 0a'));
  });
});
