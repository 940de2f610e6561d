import pino from 'pino';
import { HourlyRetention } from './hourly-retention';

class Forgetting extends HourlyRetention {
  constructor(
    readonly forget: jest.Mock<Promise<Record<string, number>>>,
    logger: pino.Logger,
  ) {
    super('test', logger);
  }

  protected forgetExpired(): Promise<Record<string, number>> {
    return this.forget();
  }
}

describe('HourlyRetention', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('forgets a minute after start and hourly after that, logs what went, and goes on after a failed pass', async () => {
    const lines: { msg: string; deleted?: unknown }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const forget = jest
      .fn<Promise<Record<string, number>>, []>()
      .mockRejectedValueOnce(new Error('database down'))
      .mockResolvedValue({ rows: 3 });
    const retention = new Forgetting(forget, logger);
    retention.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(59 * 1000);
    expect(forget).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1000);
    expect(forget).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(60 * 60 * 1000);
    expect(forget).toHaveBeenCalledTimes(2);
    expect(lines.map(({ msg, deleted }) => [msg, deleted])).toEqual([
      ['retention failed; the next pass retries', undefined],
      ['forgot expired rows', { rows: 3 }],
    ]);
    retention.onApplicationShutdown();
    await jest.advanceTimersByTimeAsync(2 * 60 * 60 * 1000);
    expect(forget).toHaveBeenCalledTimes(2);
  });

  it('makes no first pass when stopped within its first minute', async () => {
    const forget = jest.fn<Promise<Record<string, number>>, []>().mockResolvedValue({});
    const retention = new Forgetting(forget, pino({ level: 'silent' }));
    retention.onApplicationBootstrap();
    retention.onApplicationShutdown();
    await jest.advanceTimersByTimeAsync(2 * 60 * 60 * 1000);
    expect(forget).not.toHaveBeenCalled();
  });
});
