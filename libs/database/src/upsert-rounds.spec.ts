import { roundsOfDistinct } from './upsert-rounds';

describe('roundsOfDistinct', () => {
  const key = (row: string) => row.split(':')[0]!;

  it('puts rows of distinct keys in one round, in their order', () => {
    expect(roundsOfDistinct(['a:1', 'b:1', 'c:1'], key)).toEqual([['a:1', 'b:1', 'c:1']]);
  });

  it("moves a key's later rows to later rounds, keeping their order", () => {
    expect(roundsOfDistinct(['a:1', 'b:1', 'a:2', 'c:1', 'a:3', 'b:2'], key)).toEqual([
      ['a:1', 'b:1', 'c:1'],
      ['a:2', 'b:2'],
      ['a:3'],
    ]);
  });

  it('makes no round of no rows', () => {
    expect(roundsOfDistinct([], key)).toEqual([]);
  });
});
