import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { Topics, deadLetterTopicOf } from '@app/contracts';
import { isDataException } from '@app/database';
import { DeadLetterHeaders, writeOrDeadLetter, type ConsumedMessage } from '@app/kafka';
import { messageCreatedEvent } from '@app/testing';
import type { ConversationEventsRepository } from '../../apps/history/src/conversations/conversation-events.repository';
import { openConversationEvents } from './history-database';

describe('stored conversation events (real Postgres)', () => {
  const tenantId = `tenant-${randomUUID().slice(0, 8)}`;
  let dataSource: DataSource;
  let repository: ConversationEventsRepository;

  beforeAll(async () => {
    ({ dataSource, repository } = await openConversationEvents());
  });

  afterAll(() => dataSource?.destroy());

  it('stores a batch in arrival order, each event once: a redelivered event keeps its first row', async () => {
    const conversationId = `conv-${randomUUID()}`;
    const texts = Array.from({ length: 2_500 }, (_, i) => `message ${i}`);
    const events = texts.map((text) => messageCreatedEvent(tenantId, conversationId, text));
    const first = events[0]!;
    // More rows than one statement takes, the first event twice in the batch, then redelivered
    // with another text.
    await repository.storeAll([...events, first]);
    await repository.storeAll([{ ...first, data: { ...first.data, text: 'changed' } }]);

    const stored = await repository.eventsOf(tenantId, [conversationId], { until: new Date(Date.now() + 60_000) });
    const kept = stored.get(conversationId) ?? [];
    expect(kept.map((event) => (event.type === 'conversation.message.created' ? event.data.text : event.type))).toEqual(
      texts,
    );
  });

  // Input parsing refuses both now; records written before could still hold them.
  it.each([
    ["PostgreSQL's text refuses U+0000", { text: 'refused\u0000' }, '0x00'],
    [
      'a source too large for an index entry (four-byte characters)',
      {
        source: Array.from({ length: 1024 }, (_, i) => String.fromCodePoint(0x20000 + ((i * 7919) % 0xa6d0))).join(''),
      },
      'index row size',
    ],
  ])(
    'dead-letters an event PostgreSQL refuses (%s), with its reason, and stores the rest of its batch in order',
    async (_, refusedFields, reason) => {
      const conversationId = `conv-${randomUUID()}`;
      const events = ['before', 'refused', 'after'].map((text) => messageCreatedEvent(tenantId, conversationId, text));
      const refused = events[1]!;
      events[1] = {
        ...refused,
        ...('source' in refusedFields ? refusedFields : { data: { ...refused.data, ...refusedFields } }),
      };
      const items = events.map((value, index) => ({ value, message: consumed(index, JSON.stringify(value)) }));

      const deadLetters = await writeOrDeadLetter(items, (values) => repository.storeAll(values), {
        service: 'history',
        isRefusal: isDataException,
      });

      expect(deadLetters).toHaveLength(1);
      expect(deadLetters[0]).toMatchObject({
        topic: deadLetterTopicOf(Topics.validatedEvents.name),
        value: Buffer.from(JSON.stringify(events[1])),
        headers: { [DeadLetterHeaders.reasonCode]: 'unstorable', [DeadLetterHeaders.sourceOffset]: '1' },
      });
      expect(deadLetters[0]!.headers![DeadLetterHeaders.reason]).toContain(reason);
      const stored = await repository.eventsOf(tenantId, [conversationId], { until: new Date(Date.now() + 60_000) });
      expect((stored.get(conversationId) ?? []).map((event) => event.id)).toEqual([events[0]!.id, events[2]!.id]);
    },
  );

  it('leaves preview conversations out of the recent ones, even when the marked event is outside the period', async () => {
    const tenant = `tenant-${randomUUID().slice(0, 8)}`;
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    const event = (conversationId: string, time: string, preview?: boolean) => {
      const message = messageCreatedEvent(tenant, conversationId, 'close my account', { time });
      return preview === undefined ? message : { ...message, data: { ...message.data, preview } };
    };
    await repository.storeAll([
      event('conv-traffic', hourAgo),
      event('conv-marked-early', hourAgo, true),
      event('conv-traffic-too', hourAgo, false),
      event('conv-marked-early', new Date().toISOString()),
      event('conv-traffic', new Date().toISOString()),
    ]);

    const sinceHalfAnHour = { since: new Date(Date.now() - 1_800_000), until: new Date(Date.now() + 60_000) };
    expect(await repository.recentConversations(tenant, sinceHalfAnHour, 10)).toEqual(['conv-traffic']);
    const all = { until: new Date(Date.now() + 60_000) };
    // The limit counts only what is returned: the preview conversation takes no place.
    expect(await repository.recentConversations(tenant, all, 2)).toEqual(['conv-traffic', 'conv-traffic-too']);
  });

  function consumed(offset: number, value: string): ConsumedMessage {
    return {
      topic: Topics.validatedEvents.name,
      partition: 0,
      offset: String(offset),
      key: null,
      value: Buffer.from(value),
      headers: {},
      timestamp: Date.now(),
    };
  }
});
