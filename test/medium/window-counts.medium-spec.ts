import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { openDatabase } from '@app/database';
import { tileRange, type CountedRecord } from '@app/domain';
import {
  WindowCountsRepository,
  conversationKey,
} from '../../apps/signal-aggregator/src/aggregates/window-counts.repository';
import { CreateMinuteCounts1764000000003 } from '../../apps/signal-aggregator/src/migrations/1764000000003-create-minute-counts';
import { CreateWindowCounts1764300000001 } from '../../apps/signal-aggregator/src/migrations/1764300000001-create-window-counts';
import { CreatePreviewConversations1765100000000 } from '../../apps/signal-aggregator/src/migrations/1765100000000-create-preview-conversations';

describe('WindowCountsRepository (real Postgres)', () => {
  let dataSource: DataSource;
  let repository: WindowCountsRepository;
  const tenantId = `tenant-${randomUUID().slice(0, 8)}`;
  const workflowA = randomUUID();
  const workflowB = randomUUID();

  beforeAll(async () => {
    const url = process.env.DATABASE_URL!;
    dataSource = await openDatabase({
      url,
      schema: 'signal_aggregator',
      entities: [],
      migrations: [
        CreateMinuteCounts1764000000003,
        CreateWindowCounts1764300000001,
        CreatePreviewConversations1765100000000,
      ],
      poolSize: 4,
    });
    repository = new WindowCountsRepository(dataSource);
  });

  afterAll(() => dataSource?.destroy());

  const signal = (id: string, time: string, name = 'churn_risk', workflowId: string = workflowA): CountedRecord => ({
    recordId: `signal:${tenantId}:${id}`,
    tenantId,
    kind: 'signal',
    name,
    workflowId,
    eventTime: new Date(time),
  });

  it('counts each record once, however often it is delivered, within a batch or across batches', async () => {
    const first = [
      signal('1', '2026-11-20T10:15:00Z'),
      signal('2', '2026-11-20T10:15:30Z'),
      signal('1', '2026-11-20T10:15:00Z'),
    ];
    await repository.count(first);
    await repository.count(first);
    await Promise.all([
      repository.count([signal('3', '2026-11-20T10:16:00Z'), signal('4', '2026-11-20T23:59:00Z')]),
      repository.count([signal('4', '2026-11-20T23:59:00Z'), signal('3', '2026-11-20T10:16:00Z')]),
    ]);
    const day = { from: new Date('2026-11-20T00:00:00Z'), to: new Date('2026-11-21T00:00:00Z') };
    const minutes = await repository.series(tenantId, 'signal', 'churn_risk', 'minute', day);
    expect(
      [...minutes].sort(([a], [b]) => a - b).map(([start, count]) => [new Date(start).toISOString(), count]),
    ).toEqual([
      ['2026-11-20T10:15:00.000Z', 2],
      ['2026-11-20T10:16:00.000Z', 1],
      ['2026-11-20T23:59:00.000Z', 1],
    ]);
    expect([...(await repository.series(tenantId, 'signal', 'churn_risk', 'hour', day)).values()].sort()).toEqual([
      1, 3,
    ]);
    expect([...(await repository.series(tenantId, 'signal', 'churn_risk', 'day', day)).values()]).toEqual([4]);
  });

  it('sums a range through its tiles exactly as its minutes, per name and per workflow', async () => {
    const times = [
      '2026-11-21T22:59:00Z',
      '2026-11-21T23:30:00Z',
      '2026-11-22T12:00:00Z',
      '2026-11-23T00:30:00Z',
      '2026-11-23T01:05:00Z',
    ];
    await repository.count([
      ...times.map((time, index) => signal(`vip-${index}`, time, 'vip', index % 2 === 0 ? workflowA : workflowB)),
      signal('plain', '2026-11-22T12:00:00Z', 'vip', ''),
    ]);
    const from = new Date('2026-11-21T23:00:00Z');
    const to = new Date('2026-11-23T01:05:00Z');
    // In range: 23:30, 12:00 (×2), 00:30; 22:59 is before, 01:05 is the window starting at `to`.
    expect((await repository.totals(tenantId, 'signal', tileRange(from, to), { name: true })).get('vip')).toBe(4);
    const byWorkflow = await repository.totals(tenantId, 'signal', tileRange(from, to), { workflowsOf: 'vip' });
    expect(Object.fromEntries(byWorkflow)).toEqual({ [workflowA]: 1, [workflowB]: 2, '': 1 });
  });

  it('forgets counted record ids past their retention, keeping recent ones', async () => {
    const old = signal('old-id', '2026-11-20T10:00:00Z', 'retention');
    const recent = signal('recent-id', '2026-11-20T10:00:00Z', 'retention');
    await repository.count([old, recent]);
    await dataSource.query(`UPDATE counted_records SET counted_at = now() - interval '10 days' WHERE record_id = $1`, [
      old.recordId,
    ]);
    expect(await repository.forgetCountedRecordsOlderThan(168)).toBeGreaterThanOrEqual(1);
    const left: { record_id: string }[] = await dataSource.query(
      `SELECT record_id FROM counted_records WHERE record_id = ANY($1)`,
      [[old.recordId, recent.recordId]],
    );
    expect(left.map((row) => row.record_id)).toEqual([recent.recordId]);
  });

  it('remembers preview conversations per tenant, and forgets marks past their retention', async () => {
    const marked = conversationKey(tenantId, 'conv-preview');
    const sameIdElsewhere = conversationKey(`${tenantId}-other`, 'conv-preview');
    const plain = conversationKey(tenantId, 'conv-plain');
    // Marked and asked in one call: the batch that marks it leaves its intents out.
    expect(await repository.previewConversations([marked, marked], [marked, plain, sameIdElsewhere])).toEqual(
      new Set([marked]),
    );
    // A later batch, with no mark of its own, still finds it.
    expect(await repository.previewConversations([], [plain, marked])).toEqual(new Set([marked]));
    await dataSource.query(
      `UPDATE preview_conversations SET marked_at = now() - interval '10 days' WHERE tenant_id = $1`,
      [tenantId],
    );
    expect(await repository.forgetPreviewConversationsOlderThan(168)).toBeGreaterThanOrEqual(1);
    expect(await repository.previewConversations([], [marked])).toEqual(new Set());
  });
});
