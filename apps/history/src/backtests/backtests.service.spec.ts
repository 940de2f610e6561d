import type { ConversationEvent } from '@app/contracts';
import { messageCreatedEvent } from '@app/testing';
import type { HistoryConfig } from '../config';
import type { ConversationEventsRepository } from '../conversations/conversation-events.repository';
import { BacktestsService } from './backtests.service';

describe('BacktestsService', () => {
  const tenantId = 'acme';
  const asking = (conversationId: string, text: string): ConversationEvent =>
    messageCreatedEvent(tenantId, conversationId, text, { time: new Date(Date.now() - 60_000).toISOString() });
  const conversations = new Map<string, ConversationEvent[]>([
    ['conv-closing', [asking('conv-closing', 'close my account')]],
    ['conv-weather', [asking('conv-weather', 'what is the weather like')]],
    ['conv-closing-too', [asking('conv-closing-too', 'hello'), asking('conv-closing-too', 'close my account')]],
  ]);
  const repository = {
    recentConversations: async () => [...conversations.keys()],
    eventsOf: async (_tenant: string, ids: string[]) => new Map(ids.map((id) => [id, conversations.get(id)!])),
  } as unknown as ConversationEventsRepository;
  const service = new BacktestsService(
    repository,
    { MAX_FIRINGS_PER_CONVERSATION_PER_MINUTE: 10 } as HistoryConfig,
    null,
  );

  it('counts the conversations and messages replayed, those that would have fired, and gives examples', async () => {
    const result = await service.run(tenantId, {
      workflow: {
        name: 'Close',
        trigger: { type: 'intent', phrases: ['close my account'] },
        action: { type: 'tag', signals: [{ name: 'closing' }] },
      },
    });
    expect(result).toMatchObject({ conversations: 3, messages: 4, fired: { conversations: 2, times: 2 } });
    expect(result.rate).toBeCloseTo(2 / 3);
    expect(result.examples.map((example) => [example.conversationId, example.text])).toEqual([
      ['conv-closing', 'close my account'],
      ['conv-closing-too', 'close my account'],
    ]);
  });
});
