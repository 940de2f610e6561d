import { EventEmitter } from 'node:events';
import pino from 'pino';
import { KafkaJSNonRetriableError, type Kafka } from 'kafkajs';
import { KafkaConsumerTransport } from './consumer-transport';

/** PRODUCER_FENCED as kafkajs reports it: another instance took the transactional id over. */
function fencedError(): Error {
  return Object.assign(new Error('the producer was fenced'), { type: 'PRODUCER_FENCED' });
}

/**
 * A kafkajs stand-in: a consumer whose `eachBatch` the test calls, and a transactional producer
 * that has been fenced (every request refused; after its refused abort, kafkajs 2.2.4 refuses to
 * begin another transaction with a message that is no fencing error).
 */
function fencedKafka() {
  const events = new EventEmitter();
  let eachBatch: ((payload: unknown) => Promise<void>) | undefined;
  let state = 'READY';
  const consumer = {
    events: { GROUP_JOIN: 'join', CRASH: 'crash', REBALANCING: 'rebalancing', END_BATCH_PROCESS: 'end_batch_process' },
    on: (event: string, listener: (payload: unknown) => void) => events.on(event, listener),
    connect: jest.fn(async () => undefined),
    subscribe: async () => undefined,
    run: jest.fn(async (options: { eachBatch: typeof eachBatch }) => {
      eachBatch = options.eachBatch;
    }),
    seek: jest.fn(),
    disconnect: async () => undefined,
  };
  const producer = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    transaction: async () => {
      if (state !== 'READY') {
        throw new KafkaJSNonRetriableError(
          `Transaction state exception: Cannot call "beginTransaction" in state "${state}"`,
        );
      }
      state = 'TRANSACTING';
      const refuse = async () => {
        throw fencedError();
      };
      return {
        sendBatch: refuse,
        sendOffsets: refuse,
        commit: refuse,
        abort: async () => {
          state = 'ABORTING';
          throw fencedError();
        },
      };
    },
  };
  const kafka = {
    consumer: () => consumer,
    producer: () => producer,
    admin: () => ({ connect: async () => undefined, disconnect: async () => undefined }),
  } as unknown as Kafka;
  const batch = () => ({
    batch: {
      topic: 'in',
      partition: 0,
      messages: [{ offset: '5', key: null, value: Buffer.from('{}'), headers: {}, timestamp: '0' }],
      lastOffset: () => '5',
      firstOffset: () => '5',
    },
    resolveOffset: () => undefined,
    heartbeat: async () => undefined,
    isRunning: () => true,
    isStale: () => false,
  });
  const processBatch = () =>
    eachBatch!(batch()).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
  return { kafka, consumer, events, processBatch };
}

describe.each([
  ['each batch waits for its commit', false],
  ['pipelined commits', true],
])('KafkaConsumerTransport, fenced (%s)', (_mode, pipelineCommits) => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());
  let transport: KafkaConsumerTransport | undefined;
  afterEach(async () => transport?.close());

  it('stops for good and reports not ready, instead of restarting and processing batches it can never commit', async () => {
    const { kafka, consumer, events, processBatch } = fencedKafka();
    transport = new KafkaConsumerTransport({
      kafka,
      groupId: 'group',
      topics: ['in'],
      logger: pino({ level: 'silent' }),
      transactionalId: 'ingest-host',
      pipelineCommits,
    });
    transport.addHandler('in', async () => [{ topic: 'out', key: 'k', value: 'v' }], true);
    await transport.listen((error) => {
      if (error) throw error;
    });
    events.emit('join', { payload: { memberAssignment: { in: [0] } } });
    expect(transport.readiness().ready).toBe(true);

    await processBatch();
    await jest.advanceTimersByTimeAsync(10);
    // Pipelined, the commit failed in the background: the next batch meets the fencing.
    const error = await processBatch();
    expect(error?.message).toContain('fenced');
    // kafkajs ends the consumer on the fencing error, which is not retriable.
    events.emit('crash', { payload: { error, restart: false } });
    await jest.advanceTimersByTimeAsync(120_000);

    expect(consumer.run).toHaveBeenCalledTimes(1);
    expect(transport.readiness()).toEqual({ ready: false, detail: expect.stringContaining('fenced') });
  });
});
