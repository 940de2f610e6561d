import { randomUUID } from 'node:crypto';
import { Topics } from '@app/contracts';
import type { ConsumedBatch, ConsumedMessage, WrittenOffsets } from '@app/kafka';
import { eventsDeduplicated } from '@app/metrics';
import type { SeenEventsRepository } from '../dedup/seen-events.repository';
import { IngestService } from './ingest.service';

const event = (id: string) => ({
  specversion: '1.0',
  id,
  source: '/platform',
  type: 'conversation.message.created',
  time: new Date().toISOString(),
  subject: 'conv-1',
  tenantid: 'acme',
  data: { messageId: 'm-1', role: 'contact', text: 'hello' },
});

/** A batch of these events whose commits and discards the test decides. */
function batchOf(ids: string[]) {
  const committed: ((written: WrittenOffsets) => void)[] = [];
  const messages: ConsumedMessage[] = ids.map((id, index) => ({
    topic: Topics.conversationEvents.name,
    partition: 0,
    offset: String(index),
    key: null,
    value: Buffer.from(JSON.stringify(event(id))),
    headers: {},
    timestamp: Date.now(),
  }));
  const batch: ConsumedBatch = {
    topic: Topics.conversationEvents.name,
    partition: 0,
    messages,
    heartbeat: async () => undefined,
    afterCommit: (callback) => committed.push(callback),
    afterDiscard: () => undefined,
    publishLater: () => undefined,
  };
  return { batch, commit: () => committed.forEach((callback) => callback({} as WrittenOffsets)) };
}

const deduplicated = async () => (await eventsDeduplicated.get()).values[0]?.value ?? 0;

describe('IngestService', () => {
  it('counts the duplicates a batch dropped once it commits, not on every attempt at it', async () => {
    // The second event was seen before.
    const seenEvents = { firstOccurrences: async () => [true, false] } as unknown as SeenEventsRepository;
    const ingest = new IngestService(seenEvents);
    const ids = [randomUUID(), randomUUID()];
    const before = await deduplicated();

    const failed = batchOf(ids);
    const out = await ingest.ingest(failed.batch);
    expect(out.map((record) => record.topic)).toEqual([Topics.validatedEvents.name]);
    // That attempt never committed; the batch is processed again and commits.
    const retried = batchOf(ids);
    await ingest.ingest(retried.batch);
    expect(await deduplicated()).toBe(before);
    retried.commit();
    expect(await deduplicated()).toBe(before + 1);
  });
});
