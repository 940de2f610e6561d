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

  it('forgets hourly, logs what went, and goes on after a failed pass', async () => {
    const lines: { msg: string; deleted?: unknown }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const forget = jest
      .fn<Promise<Record<string, number>>, []>()
      .mockRejectedValueOnce(new Error('database down'))
      .mockResolvedValue({ rows: 3 });
    const retention = new Forgetting(forget, logger);
    retention.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(59 * 60 * 1000);
    expect(forget).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(2 * 60 * 60 * 1000);
    expect(forget).toHaveBeenCalledTimes(2);
    expect(lines.map(({ msg, deleted }) => [msg, deleted])).toEqual([
      ['retention failed; the next pass retries', undefined],
      ['forgot expired rows', { rows: 3 }],
    ]);
    retention.onApplicationShutdown();
    await jest.advanceTimersByTimeAsync(2 * 60 * 60 * 1000);
    expect(forget).toHaveBeenCalledTimes(2);
  });
});
