import { Inject, Injectable } from '@nestjs/common';
import {
  InvalidInputError,
  type BacktestExample,
  type BacktestRequest,
  type BacktestResponse,
  type ConversationEvent,
} from '@app/contracts';
import { replayConversation, type FiringWorkflow, type IntentSemantics, type PhraseVectors } from '@app/domain';
import { INTENT_VECTORS, type IntentVectors } from '@app/intent-model';
import { APP_CONFIG } from '@app/platform';
import type { HistoryConfig } from '../config';
import { ConversationEventsRepository, type Period } from '../conversations/conversation-events.repository';

const DEFAULT_CONVERSATIONS = 1_000;
const DEFAULT_EXAMPLES = 5;
/** Conversations loaded from the database at once: bounds the memory one backtest holds. */
const PAGE_SIZE = 200;
/** What the draft is called while it is replayed: it has no id yet. */
const BACKTEST_WORKFLOW_ID = 'backtest';

/**
 * Backtest: how often a draft workflow would have fired on the tenant's stored conversations,
 * each replayed in order through the live engine's code (see `replayConversation`). Nothing is
 * executed or published.
 */
@Injectable()
export class BacktestsService {
  constructor(
    private readonly events: ConversationEventsRepository,
    @Inject(APP_CONFIG) private readonly config: HistoryConfig,
    @Inject(INTENT_VECTORS) private readonly intentVectors: IntentVectors | null,
  ) {}

  async run(tenantId: string, request: BacktestRequest): Promise<BacktestResponse> {
    const period = periodOf(request);
    const workflow: FiringWorkflow = {
      id: BACKTEST_WORKFLOW_ID,
      name: request.workflow.name,
      status: 'enabled',
      trigger: request.workflow.trigger,
      firing: request.workflow.firing ?? { mode: 'once_per_conversation' },
    };
    const phrases =
      this.intentVectors && workflow.trigger.type === 'intent'
        ? await this.intentVectors.phraseVectorsOf([workflow])
        : undefined;
    const wantedExamples = request.examples ?? DEFAULT_EXAMPLES;
    const response: BacktestResponse = {
      conversations: 0,
      messages: 0,
      fired: { conversations: 0, times: 0 },
      rate: 0,
      examples: [],
    };
    const conversationIds = await this.events.recentConversations(
      tenantId,
      period,
      request.limit ?? DEFAULT_CONVERSATIONS,
    );
    for (let start = 0; start < conversationIds.length; start += PAGE_SIZE) {
      const page = await this.events.eventsOf(tenantId, conversationIds.slice(start, start + PAGE_SIZE), period);
      for (const [conversationId, events] of page) {
        const semantics = await this.semanticsOf(events, phrases);
        const firings = replayConversation(workflow, events, {
          maxPerMinute: this.config.MAX_FIRINGS_PER_CONVERSATION_PER_MINUTE,
          until: period.until,
          semanticsOf: (text) => semantics.get(text),
        });
        response.conversations += 1;
        response.messages += events.filter((event) => event.type === 'conversation.message.created').length;
        if (firings.length > 0) response.fired.conversations += 1;
        response.fired.times += firings.length;
        for (const { at, message, match } of firings.slice(0, wantedExamples - response.examples.length)) {
          const example: BacktestExample = { conversationId, at, match };
          if (message) Object.assign(example, { messageId: message.id, text: message.text });
          response.examples.push(example);
        }
      }
    }
    response.rate = response.conversations === 0 ? 0 : response.fired.conversations / response.conversations;
    return response;
  }

  /** The vectors of the conversation's contact messages, each distinct text once; none without an intent trigger or a model. */
  private async semanticsOf(
    events: readonly ConversationEvent[],
    phrases: PhraseVectors | undefined,
  ): Promise<Map<string, IntentSemantics>> {
    if (!this.intentVectors || !phrases) return new Map();
    const contactTexts = events.flatMap((event) =>
      event.type === 'conversation.message.created' && event.data.role === 'contact' ? [event.data.text] : [],
    );
    return this.intentVectors.semanticsByText(contactTexts, phrases);
  }
}

function periodOf(request: BacktestRequest): Period {
  const until = request.until ? new Date(request.until) : new Date();
  const since = request.since ? new Date(request.since) : undefined;
  if (since && since >= until) {
    throw new InvalidInputError('invalid_period', 'since must be before until', [
      { field: '/since', reason: 'must be before until' },
    ]);
  }
  return { since, until };
}
