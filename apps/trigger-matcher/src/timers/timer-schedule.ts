import type { ConversationStateRecord, WorkflowDefinition } from '@app/contracts';
import { nextWakeUpAt, type StateExpiry } from '@app/domain';

interface Entry {
  state: ConversationStateRecord;
  /** When the conversation next needs waking up; recomputed when the workflows changed. */
  wakeUpAt: number;
  workflowsVersion: number;
  /** When a tick was last sent for it, to resend if it got lost, but not on every scan. */
  tickedAt?: number;
}

/**
 * When each known conversation next needs waking up (a no_reply timer, or its state's expiry),
 * derived from the conversation-state view: fed by the view's changes, so that it is rebuilt from
 * the durable state at start and follows every committed change. Holds every conversation of the
 * topic; the scheduler only wakes up those of the partitions this instance owns.
 */
export class TimerSchedule {
  private readonly entries = new Map<string, Entry>();
  private workflowsByTenant = new Map<string, WorkflowDefinition[]>();
  private workflowsVersion = 0;

  constructor(private readonly expiry: StateExpiry) {}

  onStateChange(conversationId: string, state: ConversationStateRecord | null): void {
    if (!state) {
      this.entries.delete(conversationId);
      return;
    }
    const entry: Entry = { state, wakeUpAt: this.wakeUpAtOf(state), workflowsVersion: this.workflowsVersion };
    this.entries.set(conversationId, entry);
  }

  /** The workflow definitions changed: due times are recomputed as they are next looked at. */
  setWorkflows(workflows: Iterable<WorkflowDefinition>): void {
    const byTenant = new Map<string, WorkflowDefinition[]>();
    for (const workflow of workflows) {
      if (workflow.trigger.type !== 'no_reply') continue;
      const list = byTenant.get(workflow.tenantId) ?? [];
      list.push(workflow);
      byTenant.set(workflow.tenantId, list);
    }
    this.workflowsByTenant = byTenant;
    this.workflowsVersion += 1;
  }

  /**
   * The conversations due at `now` that `owns` accepts and that were not ticked in the last
   * `resendAfterMs`; marks them ticked.
   */
  takeDue(now: number, owns: (conversationId: string) => boolean, resendAfterMs: number): ConversationStateRecord[] {
    const due: ConversationStateRecord[] = [];
    for (const [conversationId, entry] of this.entries) {
      if (entry.workflowsVersion !== this.workflowsVersion) {
        entry.wakeUpAt = this.wakeUpAtOf(entry.state);
        entry.workflowsVersion = this.workflowsVersion;
      }
      if (entry.wakeUpAt > now || (entry.tickedAt !== undefined && now - entry.tickedAt < resendAfterMs)) continue;
      if (!owns(conversationId)) continue;
      entry.tickedAt = now;
      due.push(entry.state);
    }
    return due;
  }

  get size(): number {
    return this.entries.size;
  }

  private wakeUpAtOf(state: ConversationStateRecord): number {
    return nextWakeUpAt(state, this.workflowsByTenant.get(state.tenantId) ?? [], this.expiry);
  }
}
