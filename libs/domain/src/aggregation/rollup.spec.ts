import { rollUp, type CountedRecord } from './rollup';

const record = (recordId: string, eventTime: string, name = 'churn_risk'): CountedRecord => ({
  recordId,
  tenantId: 'acme',
  kind: 'signal',
  name,
  workflowId: 'wf-1',
  eventTime: new Date(eventTime),
});

describe('rollUp', () => {
  it('adds each record to its minute, hour and day, summing records of the same window', () => {
    const increments = rollUp([
      record('a', '2026-11-24T10:15:01Z'),
      record('b', '2026-11-24T10:15:59Z'),
      record('c', '2026-11-24T10:16:00Z'),
      record('d', '2026-11-24T10:16:00Z', 'vip'),
    ]);
    const of = (name: string, granularity: string) =>
      increments
        .filter((increment) => increment.name === name && increment.granularity === granularity)
        .map((increment) => [increment.windowStart.toISOString(), increment.count]);
    expect(of('churn_risk', 'minute')).toEqual([
      ['2026-11-24T10:15:00.000Z', 2],
      ['2026-11-24T10:16:00.000Z', 1],
    ]);
    expect(of('churn_risk', 'hour')).toEqual([['2026-11-24T10:00:00.000Z', 3]]);
    expect(of('churn_risk', 'day')).toEqual([['2026-11-24T00:00:00.000Z', 3]]);
    expect(of('vip', 'day')).toEqual([['2026-11-24T00:00:00.000Z', 1]]);
    // Every granularity sums to the number of records.
    for (const granularity of ['minute', 'hour', 'day']) {
      const total = increments
        .filter((increment) => increment.granularity === granularity)
        .reduce((sum, increment) => sum + increment.count, 0);
      expect(total).toBe(4);
    }
  });

  it('keeps workflows apart (the breakdown dimension)', () => {
    const increments = rollUp([
      record('a', '2026-11-24T10:15:01Z'),
      { ...record('b', '2026-11-24T10:15:02Z'), workflowId: 'wf-2' },
    ]);
    expect(increments.filter((increment) => increment.granularity === 'minute')).toHaveLength(2);
  });
});
