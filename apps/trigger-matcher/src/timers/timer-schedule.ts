import { Heap } from 'heap-js';
import type { ConversationStateRecord, WorkflowDefinition } from '@app/contracts';
import { nextWakeUpAt, type StateExpiry } from '@app/domain';

interface Entry {
  /** The state's key in the view (conversationStateKey). */
  key: string;
  state: ConversationStateRecord;
  /** When the conversation is next looked at: its wake-up time, or a resend or recheck after that. */
  lookAt: number;
  /** When a tick was last sent for it, so that a recomputation of wake-up times keeps the resend delay. */
  tickedAt?: number;
}

/** A conversation's place in the queue; out of date once its entry was replaced, removed or moved. */
interface Queued {
  entry: Entry;
  at: number;
}

/** Out-of-date places the queue may hold, beyond one per entry, before it is rebuilt. */
const MAX_OUTDATED = 100_000;

/**
 * When each known conversation next needs waking up (a no_reply timer, or its state's expiry),
 * derived from the conversation-state view: fed by the view's changes, so that it is rebuilt from
 * the durable state at start and follows every committed change. Holds every conversation the
 * view holds; the scheduler only wakes up those of the partitions this instance owns.
 *
 * A priority queue of wake-up times, so that a scan costs what is due, not every conversation
 * held (bench/timer-schedule-scan.ts). A change replaces a conversation's entry and queues it
 * anew; the places of replaced entries stay in the queue until they come up, and are skipped then.
 */
export class TimerSchedule {
  private readonly entries = new Map<string, Entry>();
  private readonly queue = new Heap<Queued>((a, b) => a.at - b.at);
  private workflowsByTenant = new Map<string, WorkflowDefinition[]>();
  /** The workflows changed since the wake-up times were computed: they are recomputed at the next scan. */
  private workflowsChanged = false;

  constructor(private readonly expiry: StateExpiry) {}

  onStateChange(key: string, state: ConversationStateRecord | null): void {
    if (!state) {
      this.entries.delete(key);
      return;
    }
    const entry: Entry = { key, state, lookAt: this.wakeUpAtOf(state) };
    this.entries.set(key, entry);
    this.enqueue(entry);
  }

  /** The workflow definitions changed: due times are recomputed at the next scan. */
  setWorkflows(workflows: Iterable<WorkflowDefinition>): void {
    const byTenant = new Map<string, WorkflowDefinition[]>();
    for (const workflow of workflows) {
      if (workflow.trigger.type !== 'no_reply') continue;
      const list = byTenant.get(workflow.tenantId) ?? [];
      list.push(workflow);
      byTenant.set(workflow.tenantId, list);
    }
    this.workflowsByTenant = byTenant;
    this.workflowsChanged = true;
  }

  /**
   * The conversations due at `now` that `owns` accepts, earliest first; each is looked at again
   * after `resendAfterMs` (its tick may be lost; a change of its state queues it anew at once).
   * One that `owns` refuses now is looked at again at the next scan: ownership moves.
   */
  takeDue(
    now: number,
    owns: (state: ConversationStateRecord) => boolean,
    resendAfterMs: number,
  ): ConversationStateRecord[] {
    if (this.workflowsChanged) {
      this.workflowsChanged = false;
      this.requeueAll((entry) =>
        Math.max(
          this.wakeUpAtOf(entry.state),
          entry.tickedAt === undefined ? -Infinity : entry.tickedAt + resendAfterMs,
        ),
      );
    }
    const due: ConversationStateRecord[] = [];
    const notOwned: Entry[] = [];
    for (let next = this.queue.peek(); next !== undefined && next.at <= now; next = this.queue.peek()) {
      this.queue.pop();
      const { entry, at } = next;
      if (this.entries.get(entry.key) !== entry || entry.lookAt !== at) continue;
      if (owns(entry.state)) {
        due.push(entry.state);
        entry.tickedAt = now;
        entry.lookAt = now + resendAfterMs;
        this.enqueue(entry);
      } else {
        notOwned.push(entry);
      }
    }
    for (const entry of notOwned) {
      entry.lookAt = now;
      this.enqueue(entry);
    }
    if (this.queue.size() > 2 * this.entries.size + MAX_OUTDATED) this.requeueAll((entry) => entry.lookAt);
    return due;
  }

  /**
   * Looks at the conversation again at `at`, earlier than its resend: its tick could not decide
   * everything due yet (events before the due time were still being read, EventsWatermark).
   */
  lookAgainAt(key: string, at: number): void {
    const entry = this.entries.get(key);
    if (!entry || entry.lookAt <= at) return;
    entry.lookAt = at;
    this.enqueue(entry);
  }

  get size(): number {
    return this.entries.size;
  }

  private enqueue(entry: Entry): void {
    this.queue.push({ entry, at: entry.lookAt });
  }

  /** Rebuilds the queue from the entries, each looked at when `lookAt` says. */
  private requeueAll(lookAt: (entry: Entry) => number): void {
    const queued: Queued[] = [];
    for (const entry of this.entries.values()) {
      entry.lookAt = lookAt(entry);
      queued.push({ entry, at: entry.lookAt });
    }
    this.queue.init(queued);
  }

  private wakeUpAtOf(state: ConversationStateRecord): number {
    return nextWakeUpAt(state, this.workflowsByTenant.get(state.tenantId) ?? [], this.expiry);
  }
}
