import type { PendingDelivery, WorkflowTriggered } from '@app/contracts';
import { WrittenOffsets, type ConsumedBatch, type OutboundRecord } from '@app/kafka';
import type { Step } from './delivery-scheduler';
import { InlineDeliveries, type InlineAttemptScheduler } from './inline-deliveries';

const WAIT_MS = 500;

function pendingDelivery(executionId: string): PendingDelivery {
  const trigger: WorkflowTriggered = {
    triggerId: `t-${executionId}`,
    tenantId: 'acme',
    conversationId: `conv-${executionId}`,
    workflow: { id: '00000000-0000-4000-8000-000000000001', version: 1, name: 'Order API' },
    event: { id: 'e1', source: '/p', type: 'conversation.message.created', time: '2026-11-25T10:00:00.000Z' },
    message: { id: 'm1', role: 'contact', text: 'cancel my order' },
    transcript: [],
    match: { type: 'intent', score: 1, threshold: 0.75, phrase: 'cancel my order' },
    firedAt: '2026-11-25T10:00:00.100Z',
  };
  return { executionId, trigger, attempts: [], dueAt: trigger.firedAt, startedAt: trigger.firedAt };
}

/** Any step the schedule would record; what it says does not matter to InlineDeliveries. */
const recordedStep: Step = {
  workflowVersion: 1,
  actionType: 'webhook',
  outcome: { status: 'skipped', attempts: [], reason: 'workflow is disabled' },
};

/** A batch whose commit or discard the test decides, as the consumer transport would. */
function batchUnderTest() {
  const committed: ((written: WrittenOffsets) => void)[] = [];
  const discarded: (() => void)[] = [];
  const batch: ConsumedBatch = {
    topic: 'workflow.triggers',
    partition: 0,
    messages: [],
    heartbeat: () => Promise.resolve(),
    afterCommit: (callback) => committed.push(callback),
    afterDiscard: (callback) => discarded.push(callback),
    publishLater: () => undefined,
  };
  return {
    batch,
    commit: () => committed.forEach((callback) => callback(new WrittenOffsets())),
    discard: () => discarded.forEach((callback) => callback()),
  };
}

/** A schedule whose attempts end when the test says so; inline steps and late attempts are noted. */
function schedulerUnderTest() {
  const attempts = new Map<string, (step: Step) => void>();
  const late: { executionId: string; committed: Promise<boolean> }[] = [];
  const inlineSteps: string[] = [];
  const scheduler: InlineAttemptScheduler = {
    inlinePartitionOf: () => 0,
    takeSlot: () => Promise.resolve(() => undefined),
    attemptNow: (pending) => new Promise<Step | null>((resolve) => attempts.set(pending.executionId, resolve)),
    inlineStep: (pending) => {
      inlineSteps.push(pending.executionId);
      const record: OutboundRecord = { topic: 'workflow.executions', key: pending.executionId, value: 'result' };
      return { records: [record], committed: () => undefined };
    },
    recordWhenCommitted: (pending, _partition, _attempt, committed) => {
      late.push({ executionId: pending.executionId, committed });
    },
  };
  return { scheduler, attempts, late, inlineSteps };
}

describe('InlineDeliveries', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('commits an attempt over within the wait with the batch, and keeps no timer once the batch committed', async () => {
    const { scheduler, attempts, inlineSteps } = schedulerUnderTest();
    const { batch, commit } = batchUnderTest();
    const inline = new InlineDeliveries(scheduler, batch, WAIT_MS);
    expect(inline.offer(pendingDelivery('x1'))).toBe(true);

    const settled = inline.settle();
    await jest.advanceTimersByTimeAsync(0);
    attempts.get('x1')!(recordedStep);
    const records = await settled;

    expect(records.map((record) => record.topic)).toEqual(['workflow.executions']);
    expect(inlineSteps).toEqual(['x1']);
    commit();
    // A timer left behind would hold the batch, and every trigger in it, in memory for its whole wait.
    expect(jest.getTimerCount()).toBe(0);
  });

  it('writes an attempt still in flight at the deadline to the schedule, and tells its recorder whether the batch committed', async () => {
    const { scheduler, late } = schedulerUnderTest();
    const first = batchUnderTest();
    const second = batchUnderTest();
    const committedBatch = new InlineDeliveries(scheduler, first.batch, WAIT_MS);
    const discardedBatch = new InlineDeliveries(scheduler, second.batch, WAIT_MS);
    committedBatch.offer(pendingDelivery('slow-1'));
    discardedBatch.offer(pendingDelivery('slow-2'));

    const settled = Promise.all([committedBatch.settle(), discardedBatch.settle()]);
    await jest.advanceTimersByTimeAsync(WAIT_MS);
    const [committedRecords, discardedRecords] = await settled;

    expect(committedRecords.map((record) => [record.topic, record.key])).toEqual([
      ['action-dispatcher.deliveries', 'slow-1'],
    ]);
    expect(discardedRecords.map((record) => record.key)).toEqual(['slow-2']);
    expect(late.map((entry) => entry.executionId)).toEqual(['slow-1', 'slow-2']);
    first.commit();
    second.discard();
    await expect(late[0]!.committed).resolves.toBe(true);
    await expect(late[1]!.committed).resolves.toBe(false);
    expect(jest.getTimerCount()).toBe(0);
  });
});
