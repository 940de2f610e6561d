import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { conversationEventValidator } from '@app/contracts';
import { openDatabase } from '@app/database';
import { messageCreatedEvent } from '@app/testing';
import { CreateSeenEvents1764000000001 } from '../../apps/ingest/src/migrations/1764000000001-create-seen-events';
import { SeenEventsRepository } from '../../apps/ingest/src/dedup/seen-events.repository';

describe('SeenEventsRepository (real Postgres)', () => {
  let dataSource: DataSource;
  let repository: SeenEventsRepository;
  const tenantId = `tenant-${randomUUID().slice(0, 8)}`;
  const occurrence = (eventId: string, offset: string) => ({ tenantId, source: '/s', eventId, partition: 0, offset });

  beforeAll(async () => {
    const url = process.env.DATABASE_URL!;
    dataSource = await openDatabase({
      url,
      schema: 'ingest',
      entities: [],
      migrations: [CreateSeenEvents1764000000001],
      poolSize: 2,
    });
    repository = new SeenEventsRepository(dataSource);
  });

  afterAll(() => dataSource?.destroy());

  it('passes first occurrences, drops re-sent ids, and passes a replay of the same position', async () => {
    expect(
      await repository.firstOccurrences([occurrence('a', '10'), occurrence('b', '11'), occurrence('a', '12')]),
    ).toEqual([true, true, false]);
    // A crash before the offsets were committed replays positions 10-12: the same answer.
    expect(
      await repository.firstOccurrences([occurrence('a', '10'), occurrence('b', '11'), occurrence('a', '12')]),
    ).toEqual([true, true, false]);
    // The platform sends "b" again later.
    expect(await repository.firstOccurrences([occurrence('b', '40'), occurrence('c', '41')])).toEqual([false, true]);
  });

  it('keeps ids apart per tenant and source', async () => {
    const other = { tenantId: `${tenantId}-2`, source: '/s', eventId: 'a', partition: 0, offset: '50' };
    const otherSource = { tenantId, source: '/other', eventId: 'a', partition: 0, offset: '51' };
    expect(await repository.firstOccurrences([other, otherSource])).toEqual([true, true]);
  });

  it('indexes the largest key the event contract lets through (random four-byte characters do not compress)', async () => {
    // Characters of the CJK Extension B block, four bytes each in UTF-8.
    const wide = (count: number) =>
      Array.from({ length: count }, () => String.fromCodePoint(0x20000 + Math.floor(Math.random() * 0xa6d0))).join('');
    const largest = messageCreatedEvent('t'.repeat(64), 'conv', 'hi', { source: wide(256), id: wide(256) });
    expect(conversationEventValidator.check(largest)).toBe(true);
    expect(conversationEventValidator.check({ ...largest, source: wide(257) })).toBe(false);
    const key = { tenantId: largest.tenantid, source: largest.source, eventId: largest.id, partition: 0, offset: '60' };
    expect(await repository.firstOccurrences([key])).toEqual([true]);
    // What the byte limit prevents: a 1024-character source of such characters is too large an index entry.
    await expect(repository.firstOccurrences([{ ...key, source: wide(1024), offset: '61' }])).rejects.toThrow(
      /index row size/,
    );
  });
});
