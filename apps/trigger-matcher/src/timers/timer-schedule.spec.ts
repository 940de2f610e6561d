import type { ConversationStateRecord, WorkflowDefinition } from '@app/contracts';
import { isStaleState, STATE_REVISION_HEADER } from '../state/conversation-state.store';
import { TimerSchedule } from './timer-schedule';

const T0 = Date.parse('2026-11-24T10:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

function state(conversationId: string, waitingSince?: number): ConversationStateRecord {
  return {
    conversationId,
    tenantId: 'acme',
    revision: 1,
    lastEventAt: at(waitingSince ?? 0),
    transcript: [],
    failedAnswers: 0,
    firings: [],
    memory: {},
    ended: false,
    ...(waitingSince === undefined ? {} : { waiting: { for: 'contact', since: at(waitingSince), handled: [] } }),
  };
}

const nudge = {
  id: 'nudge',
  tenantId: 'acme',
  status: 'enabled',
  trigger: { type: 'no_reply', waitingFor: 'contact', seconds: 60 },
} as WorkflowDefinition;

describe('TimerSchedule', () => {
  const everything = () => true;

  it('wakes a waiting conversation when its timer is due, and an idle one when its state expires', () => {
    const schedule = new TimerSchedule({ idleSeconds: 3600, endedSeconds: 60 });
    schedule.setWorkflows([nudge]);
    schedule.onStateChange('waiting', state('waiting', 0));
    schedule.onStateChange('idle', state('idle'));
    expect(schedule.takeDue(T0 + 59_000, everything, 10_000)).toEqual([]);
    expect(schedule.takeDue(T0 + 60_000, everything, 10_000).map((due) => due.conversationId)).toEqual(['waiting']);
    // The waiting one again too: its state did not change, so its tick may have been lost.
    expect(schedule.takeDue(T0 + 3_600_000, everything, 10_000).map((due) => due.conversationId)).toEqual([
      'waiting',
      'idle',
    ]);
  });

  it('resends a tick only after a while, and at once after the state changed; forgets deleted states', () => {
    const schedule = new TimerSchedule({ idleSeconds: 3600, endedSeconds: 60 });
    schedule.setWorkflows([nudge]);
    schedule.onStateChange('c', state('c', 0));
    expect(schedule.takeDue(T0 + 60_000, everything, 10_000)).toHaveLength(1);
    expect(schedule.takeDue(T0 + 65_000, everything, 10_000)).toHaveLength(0);
    expect(schedule.takeDue(T0 + 70_000, everything, 10_000)).toHaveLength(1);
    schedule.onStateChange('c', state('c', 0));
    expect(schedule.takeDue(T0 + 71_000, everything, 10_000)).toHaveLength(1);
    schedule.onStateChange('c', null);
    expect(schedule.size).toBe(0);
  });

  it('looks at a conversation again early when its tick could not decide everything yet', () => {
    const schedule = new TimerSchedule({ idleSeconds: 3600, endedSeconds: 60 });
    schedule.setWorkflows([nudge]);
    schedule.onStateChange('c', state('c', 0));
    expect(schedule.takeDue(T0 + 60_000, everything, 10_000)).toHaveLength(1);
    schedule.lookAgainAt('c', T0 + 60_200);
    expect(schedule.takeDue(T0 + 60_200, everything, 10_000)).toHaveLength(1);
    // Never later than it would have been looked at anyway; unknown conversations are ignored.
    schedule.lookAgainAt('c', T0 + 90_000);
    expect(schedule.takeDue(T0 + 70_200, everything, 10_000)).toHaveLength(1);
    schedule.lookAgainAt('gone', T0);
    expect(schedule.size).toBe(1);
  });

  it('follows workflow changes, and wakes only what the instance owns', () => {
    const schedule = new TimerSchedule({ idleSeconds: 3600, endedSeconds: 60 });
    schedule.onStateChange('c', state('c', 0));
    expect(schedule.takeDue(T0 + 60_000, everything, 10_000)).toHaveLength(0);
    schedule.setWorkflows([nudge]);
    expect(schedule.takeDue(T0 + 60_000, () => false, 10_000)).toHaveLength(0);
    expect(schedule.takeDue(T0 + 60_000, everything, 10_000)).toHaveLength(1);
  });

  it('wakes the earliest first, each conversation once however often its state changed', () => {
    const schedule = new TimerSchedule({ idleSeconds: 3600, endedSeconds: 60 });
    schedule.setWorkflows([nudge]);
    // A first scan takes in the workflows (a change of them rebuilds the queue from the entries).
    expect(schedule.takeDue(T0, everything, 1_000_000)).toEqual([]);
    schedule.onStateChange('late', state('late', 30));
    schedule.onStateChange('early', state('early', 0));
    for (let change = 0; change < 5; change += 1) schedule.onStateChange('early', state('early', 0));
    // A change that moves the wake-up later leaves the earlier queue place behind: it is skipped.
    schedule.onStateChange('moved', state('moved', 0));
    schedule.onStateChange('moved', state('moved', 600));
    expect(schedule.takeDue(T0 + 100_000, everything, 1_000_000).map((due) => due.conversationId)).toEqual([
      'early',
      'late',
    ]);
    expect(schedule.takeDue(T0 + 660_000, everything, 1_000_000).map((due) => due.conversationId)).toEqual(['moved']);
  });

  it('keeps the resend delay of a conversation it ticked when the workflows change', () => {
    const schedule = new TimerSchedule({ idleSeconds: 3600, endedSeconds: 60 });
    schedule.setWorkflows([nudge]);
    schedule.onStateChange('c', state('c', 0));
    expect(schedule.takeDue(T0 + 60_000, everything, 10_000)).toHaveLength(1);
    schedule.setWorkflows([nudge, { ...nudge, id: 'other' } as WorkflowDefinition]);
    expect(schedule.takeDue(T0 + 61_000, everything, 10_000)).toHaveLength(0);
    expect(schedule.takeDue(T0 + 70_000, everything, 10_000)).toHaveLength(1);
  });

  it('stays right after many more changes than conversations (its queue is rebuilt)', () => {
    const schedule = new TimerSchedule({ idleSeconds: 3600, endedSeconds: 60 });
    schedule.setWorkflows([nudge]);
    expect(schedule.takeDue(T0, everything, 10_000)).toEqual([]);
    for (let change = 0; change < 120_000; change += 1)
      schedule.onStateChange('c', state('c', change % 2 === 0 ? 0 : 30));
    schedule.onStateChange('d', state('d', 10));
    expect(schedule.takeDue(T0 + 80_000, everything, 10_000).map((due) => due.conversationId)).toEqual(['d']);
    // c's timer and d's resend are both due at 90 s.
    expect(
      schedule
        .takeDue(T0 + 90_000, everything, 10_000)
        .map((due) => due.conversationId)
        .sort(),
    ).toEqual(['c', 'd']);
    expect(schedule.size).toBe(2);
  });
});

describe('state records read from the topic', () => {
  const headers = (revision: number) => ({ [STATE_REVISION_HEADER]: String(revision) });

  it('are stale up to the revision held: a tombstone deletes only the states written before it', () => {
    expect(isStaleState({ ...state('c'), revision: 4 }, headers(5))).toBe(false);
    expect(isStaleState({ ...state('c'), revision: 5 }, headers(5))).toBe(true);
    expect(isStaleState({ ...state('c'), revision: 6 }, headers(5))).toBe(true);
  });

  it('without the header are judged once parsed', () => {
    expect(isStaleState({ ...state('c'), revision: 5 }, {})).toBe(false);
  });
});
