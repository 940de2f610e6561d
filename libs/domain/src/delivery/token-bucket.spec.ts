import { TokenBucket } from './token-bucket';

describe('TokenBucket', () => {
  it('lets a burst of one second’s worth through, then one delivery per 1/rate seconds', () => {
    const bucket = new TokenBucket(4, 0);
    expect([1, 2, 3, 4, 5].map(() => bucket.tryTake(0))).toEqual([true, true, true, true, false]);
    expect(bucket.msUntilToken(0)).toBe(250);
    expect(bucket.tryTake(249)).toBe(false);
    expect(bucket.tryTake(250)).toBe(true);
    expect(bucket.tryTake(250)).toBe(false);
  });

  it('keeps to the rate over a longer stretch: 10 s at 5/s lets 5 + 50 deliveries through', () => {
    const bucket = new TokenBucket(5, 0);
    let taken = 0;
    for (let now = 0; now <= 10_000; now += 10) while (bucket.tryTake(now)) taken += 1;
    expect(taken).toBe(55);
  });

  it('never holds more than one second’s worth, however long it stayed idle', () => {
    const bucket = new TokenBucket(2, 0);
    expect(bucket.tryTake(3_600_000) && bucket.tryTake(3_600_000)).toBe(true);
    expect(bucket.tryTake(3_600_000)).toBe(false);
  });

  it('allows rates below one a second, one delivery at a time', () => {
    const bucket = new TokenBucket(0.5, 0);
    expect(bucket.tryTake(0)).toBe(true);
    expect(bucket.msUntilToken(0)).toBe(2_000);
    expect(bucket.tryTake(2_000)).toBe(true);
  });

  it('is full when idle long enough to hold all it can, as a new bucket is', () => {
    const bucket = new TokenBucket(2, 0);
    expect(bucket.isFull(0)).toBe(true);
    bucket.tryTake(0);
    expect(bucket.isFull(499)).toBe(false);
    expect(bucket.isFull(500)).toBe(true);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new TokenBucket(0, 0)).toThrow('a rate limit must be positive, not 0');
  });
});
