import { RetrySchedule, parseDuration } from './retry-schedule';

describe('RetrySchedule', () => {
  const svix = RetrySchedule.parse('5s,5m,30m,2h,5h,10h,10h');

  it("parses Svix's default schedule: the first attempt at once, then seven retries", () => {
    expect(svix.delaysMs).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    expect(svix.maxAttempts).toBe(8);
  });

  it('gives the delay after each failed attempt, then null once exhausted', () => {
    const noJitter = () => 0;
    expect(svix.nextDelayMs(1, undefined, noJitter)).toBe(5_000);
    expect(svix.nextDelayMs(2, undefined, noJitter)).toBe(300_000);
    expect(svix.nextDelayMs(7, undefined, noJitter)).toBe(36_000_000);
    expect(svix.nextDelayMs(8, undefined, noJitter)).toBeNull();
    // Svix's example: three failures, then a success, about 35 minutes and 5 seconds after the first attempt.
    const delays = [1, 2, 3].map((attempt) => svix.nextDelayMs(attempt, undefined, noJitter)!);
    expect(delays.reduce((sum, delay) => sum + delay, 0)).toBe(35 * 60_000 + 5_000);
  });

  it('adds up to 20% jitter', () => {
    expect(svix.nextDelayMs(1, undefined, () => 0.5)).toBe(5_500);
    expect(svix.nextDelayMs(1, undefined, () => 0.999)).toBeLessThan(6_000);
  });

  it('lets Retry-After lengthen a delay but never shorten it', () => {
    expect(svix.nextDelayMs(1, 60_000, () => 0)).toBe(60_000);
    expect(svix.nextDelayMs(2, 60_000, () => 0)).toBe(300_000);
  });

  it('refuses nonsense', () => {
    expect(() => RetrySchedule.parse('5s,soon')).toThrow('not a duration: "soon"');
    expect(() => new RetrySchedule([-1])).toThrow('non-negative');
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1.5s')).toBe(1_500);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(RetrySchedule.parse('').maxAttempts).toBe(1);
  });
});
