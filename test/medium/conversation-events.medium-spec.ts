import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
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
});
