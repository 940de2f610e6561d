import pino from 'pino';
import { Topics } from '@app/contracts';
import { ConsumerAssignment, type ConsumedBatch, type Kafka, type WrittenOffsets } from '@app/kafka';
import { EventsWatermark } from './events-watermark';

const EVENTS = Topics.validatedEvents.name;
/** The tick's time; the brokers are asked after it (in the test's real time). */
const NOW = new Date(Date.now() - 3_600_000);
const minutesAgo = (minutes: number) => NOW.getTime() - minutes * 60_000;

/** The brokers as the watermark's admin client sees them: the partition's low and high offsets, the group's commit. */
interface Brokers {
  low: bigint;
  high: bigint;
  /** '-1' when the group committed nothing there. */
  committed: string;
  refuse?: Error;
}

function watermark() {
  const assignment = new ConsumerAssignment();
  const brokers: Brokers = { low: 0n, high: 0n, committed: '-1' };
  const admin = {
    fetchTopicOffsets: async () => {
      if (brokers.refuse) throw brokers.refuse;
      return [{ partition: 0, offset: String(brokers.high), high: String(brokers.high), low: String(brokers.low) }];
    },
    fetchOffsets: async () => [{ topic: EVENTS, partitions: [{ partition: 0, offset: brokers.committed }] }],
  };
  const kafka = { admin: () => admin } as unknown as Kafka;
  return { assignment, brokers, watermark: new EventsWatermark(kafka, assignment, pino({ level: 'silent' })) };
}

/** A batch of events appended at these times, and a way to commit it. */
function eventsBatch(appendedAt: number[]) {
  const committed: ((written: WrittenOffsets) => void)[] = [];
  const batch = {
    topic: EVENTS,
    partition: 0,
    messages: appendedAt.map((timestamp, index) => ({ offset: String(index), timestamp })),
    afterCommit: (callback: (written: WrittenOffsets) => void) => committed.push(callback),
  } as unknown as ConsumedBatch;
  return { batch, commit: () => committed.forEach((callback) => callback({} as WrittenOffsets)) };
}

describe('EventsWatermark', () => {
  it('decides timers now once the consumer has read the whole partition, transaction markers included', async () => {
    const { assignment, brokers, watermark: events } = watermark();
    // Records up to offset 8, then a commit marker at 9: the partition ends at 10.
    Object.assign(brokers, { high: 10n, committed: '9' });
    assignment.noteRead(EVENTS, 0, 8n);
    expect(await events.decideAt(0, NOW)).toBeNull();
    assignment.noteRead(EVENTS, 0, 9n);
    expect(await events.decideAt(0, NOW)).toEqual(NOW);
    // Only up to when the brokers were asked for the end: what was appended after is not known to be read.
    const later = new Date(Date.now() + 3_600_000);
    expect((await events.decideAt(0, later))!.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('decides them up to the newest event it read while events still wait, and only once that batch committed', async () => {
    const { assignment, brokers, watermark: events } = watermark();
    Object.assign(brokers, { high: 500n, committed: '100' });
    assignment.noteRead(EVENTS, 0, 99n);
    const { batch, commit } = eventsBatch([minutesAgo(12), minutesAgo(10)]);
    events.observe(batch);
    expect(await events.decideAt(0, NOW)).toBeNull();
    commit();
    expect(await events.decideAt(0, NOW)).toEqual(new Date(minutesAgo(10)));
  });

  it('goes by the group’s committed offset before it has read a batch since its assignment', async () => {
    const { brokers, watermark: events } = watermark();
    Object.assign(brokers, { high: 42n, committed: '42' });
    expect(await events.decideAt(0, NOW)).toEqual(NOW);
    Object.assign(brokers, { high: 43n, committed: '42' });
    expect(await events.decideAt(0, NOW)).toBeNull();
    // Nothing committed, and an empty partition; or a commit older than what retention kept.
    Object.assign(brokers, { low: 0n, high: 0n, committed: '-1' });
    expect(await events.decideAt(0, NOW)).toEqual(NOW);
    Object.assign(brokers, { low: 100n, high: 100n, committed: '40' });
    expect(await events.decideAt(0, NOW)).toEqual(NOW);
  });

  it('decides nothing newer than what it read when the brokers do not answer', async () => {
    const { assignment, brokers, watermark: events } = watermark();
    assignment.noteRead(EVENTS, 0, 9n);
    Object.assign(brokers, { high: 10n, refuse: new Error('broker down') });
    expect(await events.decideAt(0, NOW)).toBeNull();
    const { batch, commit } = eventsBatch([minutesAgo(3)]);
    events.observe(batch);
    commit();
    expect(await events.decideAt(0, NOW)).toEqual(new Date(minutesAgo(3)));
  });

  it('forgets how far it read when the assignment changes', async () => {
    const { assignment, brokers, watermark: events } = watermark();
    Object.assign(brokers, { high: 10n, committed: '5' });
    assignment.noteRead(EVENTS, 0, 9n);
    expect(await events.decideAt(0, NOW)).toEqual(NOW);
    assignment.set({ [EVENTS]: [0] });
    expect(await events.decideAt(0, NOW)).toBeNull();
  });
});
