import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { WorkflowExecuted } from '@app/contracts';
import type { ExecutionsRepository } from '../../apps/history/src/executions/executions.repository';
import { openExecutionLog } from './history-database';

describe('the execution log: filters, pages, statistics and retention (real Postgres)', () => {
  let dataSource: DataSource;
  let repository: ExecutionsRepository;
  const tenantId = `tenant-${randomUUID().slice(0, 8)}`;
  const workflowId = randomUUID();
  const otherWorkflowId = randomUUID();

  beforeAll(async () => {
    ({ dataSource, repository } = await openExecutionLog());
  });

  afterAll(() => dataSource?.destroy());

  /** The n-th execution, started n minutes after 10:00; statuses and latencies from `shape`. */
  function execution(n: number, shape: Partial<WorkflowExecuted> = {}): WorkflowExecuted {
    const startedAt = new Date(Date.parse('2026-11-24T10:00:00.000Z') + n * 60_000).toISOString();
    return {
      executionId: `exec-${tenantId}-${String(n).padStart(3, '0')}`,
      triggerId: `trigger-${n}`,
      tenantId,
      conversationId: `conv-${n % 3}`,
      contactId: `contact-${n % 2}`,
      workflowId,
      workflowVersion: 1,
      actionType: 'webhook',
      status: 'succeeded',
      attempts: [{ number: 1, startedAt, durationMs: 3, statusCode: 200 }],
      eventTime: startedAt,
      startedAt,
      finishedAt: startedAt,
      latencyMs: n,
      ...shape,
    };
  }

  it('filters by workflow, status, conversation, contact and time, and pages with a cursor without gaps or repeats', async () => {
    await repository.upsertAll(
      Array.from({ length: 12 }, (_, i) =>
        execution(i + 1, (i + 1) % 4 === 0 ? { status: 'failed', workflowId: otherWorkflowId } : {}),
      ),
    );
    // A redelivered result is the same row.
    await repository.upsertAll([execution(1)]);
    const all = await repository.list(tenantId, {}, 100);
    expect(all.map((row) => row.executionId)).toEqual(
      Array.from({ length: 12 }, (_, i) => `exec-${tenantId}-${String(12 - i).padStart(3, '0')}`),
    );
    expect((await repository.list(tenantId, { workflowId: otherWorkflowId }, 100)).length).toBe(3);
    expect((await repository.list(tenantId, { status: 'failed' }, 100)).length).toBe(3);
    expect((await repository.list(tenantId, { conversationId: 'conv-0' }, 100)).length).toBe(4);
    expect((await repository.list(tenantId, { contactId: 'contact-1' }, 100)).length).toBe(6);
    const window = { from: new Date('2026-11-24T10:03:00Z'), to: new Date('2026-11-24T10:06:00Z') };
    expect((await repository.list(tenantId, window, 100)).map((row) => row.latencyMs)).toEqual([5, 4, 3]);

    const seen: string[] = [];
    let after: { startedAt: Date; executionId: string } | undefined;
    for (;;) {
      const page = await repository.list(tenantId, {}, 5, after);
      seen.push(...page.map((row) => row.executionId));
      if (page.length < 5) break;
      const last = page[page.length - 1]!;
      after = { startedAt: last.startedAt, executionId: last.executionId };
    }
    expect(seen).toEqual(all.map((row) => row.executionId));
  });

  it('summarises a period: success rate inputs, failures by cause, latency percentiles and retries', async () => {
    const statsWorkflow = randomUUID();
    const at = (n: number) => new Date(Date.parse('2026-11-24T12:00:00.000Z') + n * 1000).toISOString();
    const attempt = (number: number, statusCode?: number, error?: string) => ({
      number,
      startedAt: at(0),
      durationMs: 1,
      ...(statusCode !== undefined ? { statusCode } : {}),
      ...(error !== undefined ? { error } : {}),
    });
    const rows: Partial<WorkflowExecuted>[] = [
      ...Array.from({ length: 97 }, (_, i) => ({ latencyMs: i + 1, attempts: [attempt(1, 200)] })),
      { status: 'failed', latencyMs: 500, attempts: [attempt(1, 500), attempt(2, 503)] },
      {
        status: 'failed',
        latencyMs: 1000,
        attempts: [attempt(1, 500), attempt(2, undefined, 'timed out after 1000 ms')],
      },
      { status: 'skipped', latencyMs: 0, attempts: [] },
      { status: 'retrying', latencyMs: 9999, attempts: [attempt(1, 500)] },
    ];
    await repository.upsertAll(
      rows.map((shape, index) => ({
        ...execution(index),
        executionId: `stats-${tenantId}-${index}`,
        workflowId: statsWorkflow,
        startedAt: at(index),
        ...shape,
      })),
    );
    const stats = await repository.stats(
      tenantId,
      statsWorkflow,
      new Date('2026-11-24T12:00:00Z'),
      new Date('2026-11-24T13:00:00Z'),
    );
    expect(stats).toMatchObject({ executions: 101, succeeded: 97, failed: 2, skipped: 1, inProgress: 1 });
    expect(stats.failuresByCause).toEqual([
      { cause: 'http_503', count: 1 },
      { cause: 'timeout', count: 1 },
    ]);
    // 99 finished latencies: 1..97, 500, 1000 (percentile_cont interpolates).
    expect(stats.latencyMs!.p50).toBe(50);
    expect(stats.latencyMs!.p99).toBeGreaterThan(500);
    expect(stats.retries).toBe(2);
    expect(stats.retriedExecutions).toBe(2);
    const empty = await repository.stats(
      tenantId,
      statsWorkflow,
      new Date('2026-11-25T00:00:00Z'),
      new Date('2026-11-26T00:00:00Z'),
    );
    expect(empty).toMatchObject({ executions: 0, latencyMs: null, failuresByCause: [] });
  });

  it('forgets executions that started before the retention period, in chunks, keeping newer ones', async () => {
    const retentionWorkflow = randomUUID();
    const old = new Date(Date.now() - 40 * 24 * 60 * 60 * 1000).toISOString();
    const recent = new Date(Date.now() - 60_000).toISOString();
    await repository.upsertAll([
      { ...execution(1), executionId: `old-${tenantId}`, workflowId: retentionWorkflow, startedAt: old },
      { ...execution(2), executionId: `new-${tenantId}`, workflowId: retentionWorkflow, startedAt: recent },
    ]);
    expect(await repository.forgetOlderThan(30)).toBeGreaterThanOrEqual(1);
    const left = await repository.list(tenantId, { workflowId: retentionWorkflow }, 10);
    expect(left.map((row) => row.executionId)).toEqual([`new-${tenantId}`]);
  });
});
