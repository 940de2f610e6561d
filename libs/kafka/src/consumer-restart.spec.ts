import { EventEmitter } from 'node:events';
import pino from 'pino';
import type { Consumer } from 'kafkajs';
import { restartWhenCrashed } from './consumer-restart';

/** The parts of a kafkajs consumer the restart uses: its events, connect and run. */
function fakeConsumer() {
  const emitter = new EventEmitter();
  const consumer = {
    events: { CRASH: 'consumer.crash', GROUP_JOIN: 'consumer.group_join' },
    on: (event: string, listener: (event: unknown) => void) => emitter.on(event, listener),
    connect: jest.fn(async () => undefined),
  };
  const crash = (restart: boolean) =>
    emitter.emit('consumer.crash', { payload: { error: new Error('Failed to find group coordinator'), restart } });
  const join = () => emitter.emit('consumer.group_join', { payload: {} });
  return { consumer, crash, join };
}

describe('restartWhenCrashed', () => {
  const logger = pino({ level: 'silent' });
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('connects and runs a consumer again after a crash kafkajs does not restart from, backing off', async () => {
    const { consumer, crash } = fakeConsumer();
    const run = jest.fn(async () => undefined);
    restartWhenCrashed(consumer as unknown as Consumer, { name: 'c', run, logger });

    crash(false);
    await jest.advanceTimersByTimeAsync(499);
    expect(run).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(501);
    expect(consumer.connect).toHaveBeenCalledTimes(1);
    expect(run).toHaveBeenCalledTimes(1);

    // It crashes again at once (no coordinator yet): the next wait is longer.
    crash(false);
    await jest.advanceTimersByTimeAsync(999);
    expect(run).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(1_001);
    expect(run).toHaveBeenCalledTimes(2);
  });

  it('tries again when connecting fails, and starts from the first wait once the consumer has joined', async () => {
    const { consumer, crash, join } = fakeConsumer();
    const run = jest.fn(async () => undefined);
    consumer.connect.mockRejectedValueOnce(new Error('connect ECONNREFUSED'));
    restartWhenCrashed(consumer as unknown as Consumer, { name: 'c', run, logger });

    crash(false);
    await jest.advanceTimersByTimeAsync(40_000);
    expect(consumer.connect).toHaveBeenCalledTimes(2);
    expect(run).toHaveBeenCalledTimes(1);

    join();
    crash(false);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(run).toHaveBeenCalledTimes(2);
  });

  it('leaves the crashes kafkajs restarts from to kafkajs, a consumer that is not restartable, and a stopped one', async () => {
    const restartable = fakeConsumer();
    const run = jest.fn(async () => undefined);
    restartWhenCrashed(restartable.consumer as unknown as Consumer, { name: 'c', run, logger });
    restartable.crash(true);

    const fenced = fakeConsumer();
    restartWhenCrashed(fenced.consumer as unknown as Consumer, { name: 'c', run, logger, restartable: () => false });
    fenced.crash(false);

    const stopping = fakeConsumer();
    const stop = restartWhenCrashed(stopping.consumer as unknown as Consumer, { name: 'c', run, logger });
    stopping.crash(false);
    stop();

    await jest.advanceTimersByTimeAsync(120_000);
    expect(run).not.toHaveBeenCalled();
  });
});
