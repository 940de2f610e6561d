import { Inject, Injectable } from '@nestjs/common';
import { Topics, type ConversationStateRecord } from '@app/contracts';
import { newConversationState, type ConversationState } from '@app/domain';
import { jsonRecord, type CompactedTopicView, type ConsumedBatch, type OutboundRecord } from '@app/kafka';

export const CONVERSATION_STATES = Symbol('CONVERSATION_STATES');

/** Newest wins: a state record is only replaced by one that a later event produced. */
export function isNewerState(current: ConversationStateRecord, incoming: ConversationStateRecord): boolean {
  return BigInt(incoming.sourceOffset) >= BigInt(current.sourceOffset);
}

/**
 * Per-conversation state, durable in the compacted `trigger-matcher.conversation-state` topic and
 * held in memory. A batch reads and stages states through a `StateSession`; the staged records are
 * published in the batch's Kafka transaction and enter the view only once it committed, so an
 * aborted batch leaves no trace and is redone from the committed state.
 */
@Injectable()
export class ConversationStateStore {
  /** Partition → the assignment epoch in which the view was last caught up for it. */
  private readonly syncedEpochs = new Map<number, number>();

  constructor(@Inject(CONVERSATION_STATES) private readonly view: CompactedTopicView<ConversationStateRecord>) {}

  /** Opens a session for a batch; after a (re)assignment, first reads everything the previous owner committed. */
  async session(batch: ConsumedBatch): Promise<StateSession> {
    if (this.syncedEpochs.get(batch.partition) !== batch.assignmentEpoch) {
      await this.view.catchUp(batch.partition);
      this.syncedEpochs.set(batch.partition, batch.assignmentEpoch);
    }
    const session = new StateSession(this.view);
    batch.afterCommit(() => session.commit());
    return session;
  }
}

export class StateSession {
  private readonly staged = new Map<string, ConversationStateRecord>();

  constructor(private readonly view: CompactedTopicView<ConversationStateRecord>) {}

  get(tenantId: string, conversationId: string): ConversationState {
    const record = this.staged.get(conversationId) ?? this.view.get(conversationId);
    if (!record) return newConversationState(tenantId, conversationId);
    const { sourceOffset: _offset, ...state } = record;
    return state;
  }

  /** Stages the state an event produced. */
  stage(state: ConversationState, sourceOffset: string): void {
    this.staged.set(state.conversationId, { ...state, sourceOffset });
  }

  /** The records to publish with the batch: the last state of each conversation it changed. */
  records(): OutboundRecord[] {
    return [...this.staged].map(([conversationId, record]) =>
      jsonRecord(Topics.conversationState.name, conversationId, record),
    );
  }

  commit(): void {
    for (const [conversationId, record] of this.staged) this.view.set(conversationId, record);
  }
}
