import { Inject, Injectable } from '@nestjs/common';
import type { ConversationStateRecord } from '@app/contracts';
import { newConversationState, type ConversationState } from '@app/domain';
import {
  ConsumerAssignment,
  PARTITION_KEY_HEADER,
  jsonRecord,
  type CompactedTopicView,
  type ConsumedBatch,
  type OutboundRecord,
  type WrittenOffsets,
} from '@app/kafka';

export const CONVERSATION_STATES = Symbol('CONVERSATION_STATES');

/** Below the consumer's heartbeat interval (3 s) and well below its session timeout (10 s). */
const HEARTBEAT_WHILE_CATCHING_UP_MS = 2_000;

/** Header of a state record: the revision it holds, or for a tombstone the revision it deletes up to. */
export const STATE_REVISION_HEADER = 'state-revision';

/**
 * A conversation's key in the state topic and view: its tenant and its id, because conversation
 * ids are the platforms' own and two tenants may use the same one. Its records are partitioned
 * by the conversation id alone (PARTITION_KEY_HEADER), like the conversation's events.
 */
export function conversationStateKey(tenantId: string, conversationId: string): string {
  return `${tenantId}/${conversationId}`;
}

/** The conversation id of a state key (a tenant id has no "/"): what its records are partitioned by. */
export function conversationIdOfStateKey(key: string): string {
  return key.slice(key.indexOf('/') + 1);
}

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
 *
 * The member that owns a partition is the only one writing its states, so once its view has read
 * what the previous owner committed, it holds the partition: the view stops reading it and the
 * sessions keep its entries (deletions included) up to date. Every change of the group's
 * assignment releases every held partition, whether it was lost or kept: a member cannot tell
 * from its own assignments whether it missed a generation in which another member wrote there.
 * The view then reads on from the last records this member wrote, which is only their
 * transaction's marker unless someone else wrote meanwhile.
 *
 * Whether the view also follows the partitions other members own (a warm standby: a takeover
 * starts from a view nearly caught up) or only this member's (memory for this member's share of
 * the conversations only; a takeover first reads the partition from its beginning) is the
 * view's choice (`CONVERSATION_STATE_STANDBY`): at every change of the assignment, partitions no
 * longer owned are forgotten and newly owned ones followed, so that their timers are scheduled
 * without waiting for an event; a batch waits until its partition is caught up, as always.
 */
@Injectable()
export class ConversationStateStore {
  constructor(
    @Inject(CONVERSATION_STATES) private readonly view: CompactedTopicView<ConversationStateRecord>,
    private readonly assignment: ConsumerAssignment,
  ) {
    assignment.onChange(() => {
      this.view.heldPartitions().forEach((partition) => this.view.release(partition));
      const owned = assignment.partitions();
      for (const partition of this.view.followedPartitions()) {
        if (!owned.has(partition)) this.view.forget(partition);
      }
      // At once, not at the partition's first batch: its due timers are in the states.
      owned.forEach((partition) => this.view.follow(partition));
    });
  }

  /** Opens a session for a batch; first reads everything committed to its partition, unless held. */
  async session(batch: ConsumedBatch): Promise<StateSession> {
    if (!this.view.isHeld(batch.partition)) {
      this.view.follow(batch.partition);
      await this.catchUpAndHold(batch);
    }
    const session = new StateSession(this.view, batch.partition);
    batch.afterCommit((written) => session.commit(written));
    return session;
  }

  private async catchUpAndHold({ topic, partition, heartbeat }: ConsumedBatch): Promise<void> {
    const generation = this.assignment.generation;
    // Restoring a large partition on a takeover (CONVERSATION_STATE_STANDBY=none) can outlast the
    // group's session timeout: the member heartbeats meanwhile, or the group would think it dead.
    const beating = setInterval(() => void heartbeat().catch(() => undefined), HEARTBEAT_WHILE_CATCHING_UP_MS);
    try {
      await this.view.catchUp(partition);
    } finally {
      clearInterval(beating);
    }
    // Held only if the partition did not move while the view caught up.
    if (this.assignment.generation === generation && this.assignment.partitionsOf(topic).has(partition)) {
      this.view.hold(partition);
    }
  }
}

export class StateSession {
  /** State key (conversationStateKey) → its staged record, or the revision its tombstone deletes. */
  private readonly staged = new Map<string, ConversationStateRecord | { deletedRevision: number }>();

  constructor(
    private readonly view: CompactedTopicView<ConversationStateRecord>,
    private readonly partition: number,
  ) {}

  /** The conversation's state; a new one (as of `at`) when it has none. */
  get(tenantId: string, conversationId: string, at: string): ConversationState {
    return this.find(tenantId, conversationId) ?? newConversationState(tenantId, conversationId, at);
  }

  /** The conversation's state, if it has one (it may have expired). */
  find(tenantId: string, conversationId: string): ConversationState | undefined {
    const record = this.current(conversationStateKey(tenantId, conversationId));
    if (!record) return undefined;
    const { revision: _revision, ...state } = record;
    return state;
  }

  /** Stages the state an event or a timer produced. */
  stage(state: ConversationState): void {
    const key = conversationStateKey(state.tenantId, state.conversationId);
    this.staged.set(key, { ...state, revision: this.revisionOf(key) + 1 });
  }

  /** Stages forgetting the conversation (its tombstone). */
  remove(tenantId: string, conversationId: string): void {
    const key = conversationStateKey(tenantId, conversationId);
    this.staged.set(key, { deletedRevision: this.revisionOf(key) + 1 });
  }

  /** The records to publish with the batch: the last state (or tombstone) of each conversation it changed. */
  records(): OutboundRecord[] {
    return [...this.staged].map(([key, record]) => {
      const headers = { [PARTITION_KEY_HEADER]: conversationIdOfStateKey(key) };
      return 'deletedRevision' in record
        ? {
            topic: this.view.topic,
            key,
            value: null,
            headers: { ...headers, [STATE_REVISION_HEADER]: String(record.deletedRevision) },
          }
        : jsonRecord(this.view.topic, key, record, { ...headers, [STATE_REVISION_HEADER]: String(record.revision) });
    });
  }

  /**
   * Committed states enter the view at once. So do deletions when the partition is held; otherwise
   * they are left to the view's own reading of the topic: deleting here could let an older record
   * of the key, still on its way, bring the state back.
   */
  commit(written: WrittenOffsets): void {
    const held = this.view.isHeld(this.partition);
    for (const [key, record] of this.staged) {
      if (!('deletedRevision' in record)) this.view.set(key, record);
      else if (held) this.view.delete(key);
    }
    const offset = written.lastBaseOffset(this.view.topic, this.partition);
    if (held && offset !== undefined) this.view.advance(this.partition, offset);
  }

  private current(key: string): ConversationStateRecord | undefined {
    const staged = this.staged.get(key);
    if (staged) return 'deletedRevision' in staged ? undefined : staged;
    return this.view.get(key);
  }

  /** Revisions keep increasing across a tombstone, so that it never deletes a state written after it. */
  private revisionOf(key: string): number {
    const staged = this.staged.get(key);
    if (staged) return 'deletedRevision' in staged ? staged.deletedRevision : staged.revision;
    return this.view.get(key)?.revision ?? 0;
  }
}
