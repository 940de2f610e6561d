import { RetrySchedule, parseDuration } from './retry-schedule';

describe('RetrySchedule', () => {
  const svix = RetrySchedule.parse('0,5s,5m,30m,2h,5h,10h,10h');

  it("parses Svix's default schedule", () => {
    expect(svix.delaysMs).toEqual([0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    expect(svix.maxAttempts).toBe(9);
  });

  it('gives the delay after each failed attempt, then null once exhausted', () => {
    const noJitter = () => 0;
    expect(svix.nextDelayMs(1, undefined, noJitter)).toBe(0);
    expect(svix.nextDelayMs(2, undefined, noJitter)).toBe(5_000);
    expect(svix.nextDelayMs(8, undefined, noJitter)).toBe(36_000_000);
    expect(svix.nextDelayMs(9, undefined, noJitter)).toBeNull();
  });

  it('adds up to 20% jitter', () => {
    expect(svix.nextDelayMs(2, undefined, () => 0.5)).toBe(5_500);
    expect(svix.nextDelayMs(2, undefined, () => 0.999)).toBeLessThan(6_000);
  });

  it('lets Retry-After lengthen a delay but never shorten it', () => {
    expect(svix.nextDelayMs(2, 60_000, () => 0)).toBe(60_000);
    expect(svix.nextDelayMs(3, 60_000, () => 0)).toBe(300_000);
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
