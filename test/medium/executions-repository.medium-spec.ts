import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { WorkflowExecuted } from '@app/contracts';
import { messageCreatedEvent } from '@app/testing';
import type { ExecutionsRepository } from '../../apps/history/src/executions/executions.repository';
import { openExecutionLog } from './history-database';

describe('ExecutionsRepository replay series (real Postgres)', () => {
  let dataSource: DataSource;
  let repository: ExecutionsRepository;
  const tenantId = `tenant-${randomUUID().slice(0, 8)}`;
  const workflowId = randomUUID();

  beforeAll(async () => {
    ({ dataSource, repository } = await openExecutionLog());
  });

  afterAll(() => dataSource?.destroy());

  function result(
    executionId: string,
    status: WorkflowExecuted['status'],
    statusCode: number,
    extra: Partial<WorkflowExecuted> = {},
  ): WorkflowExecuted {
    const startedAt = extra.startedAt ?? '2026-11-24T10:00:00.000Z';
    return {
      executionId,
      triggerId: `trigger-${executionId}`,
      tenantId,
      conversationId: 'conv-1',
      workflowId,
      workflowVersion: 1,
      actionType: 'webhook',
      status,
      attempts: [{ number: 1, startedAt, durationMs: 3, statusCode }],
      eventTime: '2026-11-24T10:00:00.000Z',
      startedAt,
      finishedAt: startedAt,
      latencyMs: 3,
      ...extra,
    };
  }

  const event = messageCreatedEvent(tenantId, 'conv-1', 'please run it');
  const kept = {
    triggerId: 'trigger-1',
    tenantId,
    conversationId: 'conv-1',
    workflow: { id: workflowId, name: 'w', version: 1 },
    event: { id: event.id, source: event.source, type: event.type, time: event.time },
    match: { type: 'intent' as const, score: 1, threshold: 0.75, phrase: 'please run it' },
    firedAt: '2026-11-24T10:00:00.000Z',
  };

  it('keeps the trigger, moves earlier series to previousAttempts and ignores results of older series', async () => {
    const id = randomUUID();
    await repository.upsertAll([result(id, 'failed', 400, { trigger: kept })]);
    // The replay's first step carries no trigger and starts later: both stay as they were.
    const replayStart = '2026-11-24T12:00:00.000Z';
    await repository.upsertAll([result(id, 'retrying', 500, { replay: 1, startedAt: replayStart })]);
    let row = await repository.findOne(tenantId, id);
    expect(row).toMatchObject({ status: 'retrying', replay: 1, replaysRequested: 1 });
    expect(row!.trigger).toEqual(kept);
    expect(row!.startedAt.toISOString()).toBe('2026-11-24T10:00:00.000Z');
    expect(row!.previousAttempts.map((attempt) => attempt.statusCode)).toEqual([400]);
    // A redelivered result of the first series changes nothing.
    await repository.upsertAll([result(id, 'failed', 400, { trigger: kept })]);
    expect(await repository.findOne(tenantId, id)).toMatchObject({ status: 'retrying', replay: 1 });
    // Later steps of the same series replace its attempts without moving them again.
    await repository.upsertAll([
      {
        ...result(id, 'succeeded', 200, { replay: 1, startedAt: replayStart, trigger: kept }),
        attempts: [
          { number: 1, startedAt: replayStart, durationMs: 3, statusCode: 500 },
          { number: 2, startedAt: replayStart, durationMs: 3, statusCode: 200 },
        ],
      },
    ]);
    row = await repository.findOne(tenantId, id);
    expect(row).toMatchObject({ status: 'succeeded', replay: 1, attemptCount: 2 });
    expect(row!.previousAttempts.map((attempt) => attempt.statusCode)).toEqual([400]);
  });

  it('stores a batch holding several results of one execution as if one after another', async () => {
    const [id, other] = [randomUUID(), randomUUID()];
    const replayStart = '2026-11-24T12:00:00.000Z';
    await repository.upsertAll([
      result(id, 'retrying', 500),
      result(other, 'succeeded', 200, { trigger: kept }),
      result(id, 'failed', 400, { trigger: kept }),
      result(id, 'retrying', 503, { replay: 1, startedAt: replayStart }),
      // Redelivered: older than the series before it, so it changes nothing.
      result(id, 'failed', 400, { trigger: kept }),
    ]);
    const row = await repository.findOne(tenantId, id);
    expect(row).toMatchObject({ status: 'retrying', replay: 1, replaysRequested: 1 });
    expect(row!.attempts.map((attempt) => attempt.statusCode)).toEqual([503]);
    // The first series' last result (failed, 400) moved, not its first (retrying, 500).
    expect(row!.previousAttempts.map((attempt) => attempt.statusCode)).toEqual([400]);
    expect(row!.trigger).toEqual(kept);
    expect(await repository.findOne(tenantId, other)).toMatchObject({ status: 'succeeded' });
  });

  it('never lets an earlier result of the same series (fewer attempts, redelivered) undo a later one', async () => {
    const id = randomUUID();
    const first = result(id, 'retrying', 500);
    const second = { number: 2, startedAt: '2026-11-24T10:00:05.000Z', durationMs: 3, statusCode: 200 };
    await repository.upsertAll([first, result(id, 'succeeded', 200, { attempts: [first.attempts[0]!, second] })]);
    await repository.upsertAll([first]);
    const row = await repository.findOne(tenantId, id);
    expect(row).toMatchObject({ status: 'succeeded', attemptCount: 2 });
    expect(row!.attempts.map((attempt) => attempt.statusCode)).toEqual([500, 200]);
  });

  it('selects failures to replay by window, with a trigger and no replay outstanding', async () => {
    const at = (minute: number) => `2026-11-20T10:${String(minute).padStart(2, '0')}:00.000Z`;
    const inWindow = randomUUID();
    const outstanding = randomUUID();
    const noTrigger = randomUUID();
    const tooLate = randomUUID();
    await repository.upsertAll([result(inWindow, 'failed', 400, { trigger: kept, startedAt: at(1) })]);
    await repository.upsertAll([result(outstanding, 'failed', 400, { trigger: kept, startedAt: at(2) })]);
    await repository.upsertAll([result(noTrigger, 'failed', 400, { startedAt: at(3) })]);
    await repository.upsertAll([result(tooLate, 'failed', 400, { trigger: kept, startedAt: at(30) })]);
    await repository.inTransaction((manager) => repository.markReplayRequested(manager, outstanding, 1));
    const window = { tenantId, workflowId, since: new Date(at(0)), until: new Date(at(30)) };
    const selected = await repository.inTransaction((manager) => repository.lockFailuresToReplay(manager, window, 10));
    expect(selected.map((row) => row.executionId)).toEqual([inWindow]);
  });
});
