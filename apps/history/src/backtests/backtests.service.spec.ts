import type { ConversationEvent } from '@app/contracts';
import { messageCreatedEvent } from '@app/testing';
import type { HistoryConfig } from '../config';
import type { ConversationEventsRepository } from '../conversations/conversation-events.repository';
import { BacktestsService } from './backtests.service';

describe('BacktestsService', () => {
  const tenantId = 'acme';
  const asking = (conversationId: string, preview?: boolean): ConversationEvent => {
    const event = messageCreatedEvent(tenantId, conversationId, 'close my account', {
      time: new Date(Date.now() - 60_000).toISOString(),
    });
    return { ...event, data: { ...event.data, ...(preview === undefined ? {} : { preview }) } };
  };
  const conversations = new Map<string, ConversationEvent[]>([
    ['conv-live', [asking('conv-live')]],
    ['conv-author-trying', [asking('conv-author-trying', true)]],
    ['conv-live-too', [asking('conv-live-too', false)]],
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

  it("leaves authors' preview conversations out: they test workflows, they are not traffic", async () => {
    const result = await service.run(tenantId, {
      workflow: {
        name: 'Close',
        trigger: { type: 'intent', phrases: ['close my account'] },
        action: { type: 'tag', signals: [{ name: 'closing' }] },
      },
    });
    expect(result).toMatchObject({ conversations: 2, fired: { conversations: 2 }, rate: 1 });
    expect(result.examples.map((example) => example.conversationId)).toEqual(['conv-live', 'conv-live-too']);
  });
});
