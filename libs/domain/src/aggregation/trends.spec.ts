import { previousPeriod, topWithChange } from './trends';

describe('trends', () => {
  it('ranks the current period and compares each name with the previous period', () => {
    const current = new Map([
      ['refund', 10],
      ['vip', 3],
      ['churn_risk', 10],
      ['gone', 0],
    ]);
    const previous = new Map([
      ['refund', 5],
      ['churn_risk', 20],
      ['old', 7],
    ]);
    expect(topWithChange(current, previous, 2)).toEqual([
      { name: 'churn_risk', count: 10, previousCount: 20, change: -10, changeRatio: -0.5 },
      { name: 'refund', count: 10, previousCount: 5, change: 5, changeRatio: 1 },
    ]);
    expect(topWithChange(current, previous, 10).map((trend) => trend.name)).toEqual(['churn_risk', 'refund', 'vip']);
    expect(topWithChange(current, previous, 10)[2]).toMatchObject({ previousCount: 0, changeRatio: null });
  });

  it('takes the previous period of the same length, ending where the current one starts', () => {
    expect(previousPeriod(new Date('2026-11-24T00:00:00Z'), new Date('2026-11-25T00:00:00Z'))).toEqual({
      from: new Date('2026-11-23T00:00:00Z'),
      to: new Date('2026-11-24T00:00:00Z'),
    });
  });

  it('cuts the previous period at 1970-01-01', () => {
    expect(previousPeriod(new Date('1980-01-01T00:00:00Z'), new Date('2026-11-25T00:00:00Z'))).toEqual({
      from: new Date('1970-01-01T00:00:00Z'),
      to: new Date('1980-01-01T00:00:00Z'),
    });
  });
});
