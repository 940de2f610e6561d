import pino from 'pino';
import { Topics } from '@app/contracts';
import { ConsumerAssignment, type ConsumedBatch, type Kafka, type WrittenOffsets } from '@app/kafka';
import { EventsWatermark, type EventsPartitionOffsets } from './events-watermark';

const EVENTS = Topics.validatedEvents.name;
const NOW = new Date('2026-12-07T12:00:00Z');
const minutesAgo = (minutes: number) => NOW.getTime() - minutes * 60_000;

/** The watermark over offsets the test sets (or a broker that fails), instead of the brokers'. */
class TestWatermark extends EventsWatermark {
  offsets: EventsPartitionOffsets | Error = { end: 0n, committed: 0n };

  protected override offsetsOf(): Promise<EventsPartitionOffsets> {
    return this.offsets instanceof Error ? Promise.reject(this.offsets) : Promise.resolve(this.offsets);
  }
}

function watermark() {
  const assignment = new ConsumerAssignment();
  const kafka = { admin: () => ({}) } as unknown as Kafka;
  return { assignment, watermark: new TestWatermark(kafka, assignment, pino({ level: 'silent' })) };
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
    const { assignment, watermark: events } = watermark();
    // Records up to offset 8, then a commit marker at 9: the partition ends at 10.
    events.offsets = { end: 10n, committed: 9n };
    assignment.noteRead(EVENTS, 0, 8n);
    expect(await events.decideAt(0, NOW)).toBeNull();
    assignment.noteRead(EVENTS, 0, 9n);
    expect(await events.decideAt(0, NOW)).toEqual(NOW);
  });

  it('decides them up to the newest event it read while events still wait, and only once that batch committed', async () => {
    const { assignment, watermark: events } = watermark();
    events.offsets = { end: 500n, committed: 100n };
    assignment.noteRead(EVENTS, 0, 99n);
    const { batch, commit } = eventsBatch([minutesAgo(12), minutesAgo(10)]);
    events.observe(batch);
    expect(await events.decideAt(0, NOW)).toBeNull();
    commit();
    expect(await events.decideAt(0, NOW)).toEqual(new Date(minutesAgo(10)));
  });

  it('goes by the group’s committed offset before it has read a batch since its assignment', async () => {
    const { watermark: events } = watermark();
    events.offsets = { end: 42n, committed: 42n };
    expect(await events.decideAt(0, NOW)).toEqual(NOW);
    events.offsets = { end: 43n, committed: 42n };
    expect(await events.decideAt(0, NOW)).toBeNull();
  });

  it('decides nothing newer than what it read when the brokers do not answer', async () => {
    const { assignment, watermark: events } = watermark();
    assignment.noteRead(EVENTS, 0, 9n);
    events.offsets = new Error('broker down');
    expect(await events.decideAt(0, NOW)).toBeNull();
    const { batch, commit } = eventsBatch([minutesAgo(3)]);
    events.observe(batch);
    commit();
    expect(await events.decideAt(0, NOW)).toEqual(new Date(minutesAgo(3)));
  });

  it('forgets how far it read when the assignment changes', async () => {
    const { assignment, watermark: events } = watermark();
    events.offsets = { end: 10n, committed: 5n };
    assignment.noteRead(EVENTS, 0, 9n);
    expect(await events.decideAt(0, NOW)).toEqual(NOW);
    assignment.set({ [EVENTS]: [0] });
    expect(await events.decideAt(0, NOW)).toBeNull();
  });
});
