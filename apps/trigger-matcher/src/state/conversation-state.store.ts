import { Inject, Injectable } from '@nestjs/common';
import type { ConversationStateRecord } from '@app/contracts';
import { newConversationState, type ConversationState } from '@app/domain';
import { jsonRecord, type CompactedTopicView, type ConsumedBatch, type OutboundRecord } from '@app/kafka';

export const CONVERSATION_STATES = Symbol('CONVERSATION_STATES');

/** Header of a state record: the revision it holds, or for a tombstone the revision it deletes up to. */
export const STATE_REVISION_HEADER = 'state-revision';

/** Newest wins: a state record is only replaced by one written later (a higher or equal revision). */
export function isNewerState(current: ConversationStateRecord, incoming: ConversationStateRecord): boolean {
  return incoming.revision >= current.revision;
}

/**
 * Whether a record read from the topic is no newer than the state held, from its revision header
 * alone. A tombstone deletes only the state it was written after: once the conversation has a newer
 * state (an event arrived right after the expiry), the older tombstone read from the topic leaves it.
 * A state record of the held revision or older is the writer's own, read back after it entered the
 * view at commit, or one superseded since: it is skipped without being parsed. Records without the
 * header (tombstones of any age, states written before it existed) are judged once parsed.
 */
export function isStaleState(current: ConversationStateRecord, headers: Readonly<Record<string, string>>): boolean {
  return Number(headers[STATE_REVISION_HEADER] ?? Number.POSITIVE_INFINITY) <= current.revision;
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
  /** Conversation id → its staged record, or the revision its tombstone deletes. */
  private readonly staged = new Map<string, ConversationStateRecord | { deletedRevision: number }>();

  constructor(private readonly view: CompactedTopicView<ConversationStateRecord>) {}

  /** The conversation's state; a new one (as of `at`) when it has none. */
  get(tenantId: string, conversationId: string, at: string): ConversationState {
    return this.find(conversationId) ?? newConversationState(tenantId, conversationId, at);
  }

  /** The conversation's state, if it has one (it may have expired). */
  find(conversationId: string): ConversationState | undefined {
    const record = this.current(conversationId);
    if (!record) return undefined;
    const { revision: _revision, ...state } = record;
    return state;
  }

  /** Stages the state an event or a timer produced. */
  stage(state: ConversationState): void {
    this.staged.set(state.conversationId, { ...state, revision: this.revisionOf(state.conversationId) + 1 });
  }

  /** Stages forgetting the conversation (its tombstone). */
  remove(conversationId: string): void {
    this.staged.set(conversationId, { deletedRevision: this.revisionOf(conversationId) + 1 });
  }

  /** The records to publish with the batch: the last state (or tombstone) of each conversation it changed. */
  records(): OutboundRecord[] {
    return [...this.staged].map(([conversationId, record]) =>
      'deletedRevision' in record
        ? {
            topic: this.view.topic,
            key: conversationId,
            value: null,
            headers: { [STATE_REVISION_HEADER]: String(record.deletedRevision) },
          }
        : jsonRecord(this.view.topic, conversationId, record, {
            [STATE_REVISION_HEADER]: String(record.revision),
          }),
    );
  }

  /**
   * Committed states enter the view at once. A tombstone is left to the view's own reading of the
   * topic: deleting here could let an older record of the key, still on its way, bring the state back.
   */
  commit(): void {
    for (const [conversationId, record] of this.staged) {
      if (!('deletedRevision' in record)) this.view.set(conversationId, record);
    }
  }

  private current(conversationId: string): ConversationStateRecord | undefined {
    const staged = this.staged.get(conversationId);
    if (staged) return 'deletedRevision' in staged ? undefined : staged;
    return this.view.get(conversationId);
  }

  /** Revisions keep increasing across a tombstone, so that it never deletes a state written after it. */
  private revisionOf(conversationId: string): number {
    const staged = this.staged.get(conversationId);
    if (staged) return 'deletedRevision' in staged ? staged.deletedRevision : staged.revision;
    return this.view.get(conversationId)?.revision ?? 0;
  }
}
