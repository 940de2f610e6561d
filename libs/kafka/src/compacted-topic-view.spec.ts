import { offsetsBehind } from './compacted-topic-view';

describe('offsetsBehind', () => {
  it('counts the offsets after the last one read, up to the last one of the partition', () => {
    expect(offsetsBehind(9n, 9n)).toBe(0);
    expect(offsetsBehind(9n, 6n)).toBe(3);
    expect(offsetsBehind(9n, undefined)).toBe(10);
  });

  it('is 0 for an empty partition, and never negative', () => {
    expect(offsetsBehind(-1n, undefined)).toBe(0);
    expect(offsetsBehind(4n, 7n)).toBe(0);
  });
});
