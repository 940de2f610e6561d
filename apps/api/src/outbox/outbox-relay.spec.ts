import pino from 'pino';
import { OutboxRelay } from './outbox-relay';

describe('OutboxRelay', () => {
  const logger = pino({ level: 'silent' });

  it('gives callers arriving during a run the one run that follows it, which may see their changes', async () => {
    let runs = 0;
    let finish: (count: number) => void = () => undefined;
    const relay = new OutboxRelay(
      'test',
      () => {
        runs += 1;
        return new Promise<number>((resolve) => (finish = resolve));
      },
      logger,
    );
    const first = relay.publishPending();
    const second = relay.publishPending();
    const third = relay.publishPending();
    expect(runs).toBe(1);
    finish(3);
    expect(await first).toBe(3);
    await new Promise((resolve) => setImmediate(resolve));
    expect(runs).toBe(2);
    finish(1);
    expect(await Promise.all([second, third])).toEqual([1, 1]);
    const fourth = relay.publishPending();
    expect(runs).toBe(3);
    finish(0);
    expect(await fourth).toBe(0);
  });

  it('retries on its interval after a failed run, until stopped', async () => {
    jest.useFakeTimers();
    try {
      const outcomes = [new Error('broker down'), 2];
      let runs = 0;
      const relay = new OutboxRelay(
        'test',
        async () => {
          const outcome = outcomes[runs++];
          if (outcome instanceof Error) throw outcome;
          return outcome ?? 0;
        },
        logger,
      );
      await expect(relay.publishPending()).rejects.toThrow('broker down');
      relay.start(1000);
      await jest.advanceTimersByTimeAsync(1000);
      expect(runs).toBe(2);
      relay.stop();
      await jest.advanceTimersByTimeAsync(5000);
      expect(runs).toBe(2);
    } finally {
      jest.useRealTimers();
    }
  });
});
