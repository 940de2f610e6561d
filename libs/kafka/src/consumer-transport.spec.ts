import { EventEmitter } from 'node:events';
import pino from 'pino';
import { KafkaJSNonRetriableError, type Kafka } from 'kafkajs';
import { KafkaConsumerTransport } from './consumer-transport';
import type { ConsumedBatch } from './records';

/** PRODUCER_FENCED as kafkajs reports it: another instance took the transactional id over. */
function fencedError(): Error {
  return Object.assign(new Error('the producer was fenced'), { type: 'PRODUCER_FENCED' });
}

/**
 * A kafkajs consumer stand-in whose `eachBatch` the test calls (`processBatch`) with one record at
 * offset 5 of partition 0 of `in`; resolves with the batch's error, if any.
 */
function consumerStandIn() {
  const events = new EventEmitter();
  let eachBatch: ((payload: unknown) => Promise<void>) | undefined;
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
  const resolveOffset = jest.fn();
  const processBatch = () =>
    eachBatch!({
      batch: {
        topic: 'in',
        partition: 0,
        messages: [{ offset: '5', key: null, value: Buffer.from('{}'), headers: {}, timestamp: '0' }],
        lastOffset: () => '5',
        firstOffset: () => '5',
      },
      resolveOffset,
      heartbeat: async () => undefined,
      isRunning: () => true,
      isStale: () => false,
    }).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
  return { events, consumer, processBatch, resolveOffset };
}

/**
 * A kafkajs stand-in: a consumer whose `eachBatch` the test calls, and a transactional producer
 * that has been fenced (every request refused; after its refused abort, kafkajs 2.2.4 refuses to
 * begin another transaction with a message that is no fencing error).
 */
function fencedKafka() {
  const { events, consumer, processBatch } = consumerStandIn();
  let state = 'READY';
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
  return { kafka, consumer, events, processBatch };
}

/**
 * A transport over a stand-in, joined to partition 0 of `in`, whose handler outputs one record and
 * notes its batches' commits.
 */
async function started({ kafka, events }: { kafka: Kafka; events: EventEmitter }, pipelineCommits: boolean) {
  const transport = new KafkaConsumerTransport({
    kafka,
    groupId: 'group',
    topics: ['in'],
    logger: pino({ level: 'silent' }),
    transactionalId: 'trigger-matcher-host',
    pipelineCommits,
  });
  const afterCommit = jest.fn();
  const handler = jest.fn(async (batch: ConsumedBatch) => {
    batch.afterCommit(afterCommit);
    return [{ topic: 'out', key: 'k', value: 'v' }];
  });
  transport.addHandler('in', handler, true);
  await transport.listen((error) => {
    if (error) throw error;
  });
  events.emit('join', { payload: { memberAssignment: { in: [0] } } });
  return { transport, handler, afterCommit };
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
    const standIn = fencedKafka();
    const { consumer, events, processBatch } = standIn;
    ({ transport } = await started(standIn, pipelineCommits));
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

/**
 * A kafkajs stand-in whose first transaction's commit is reported failed (EndTxn's reply lost,
 * kafkajs then refusing the abort). It `landed` (the group's committed offset moved past the
 * batch), or it did not and another member (after a rebalance) committed past it meanwhile. Later
 * producers commit normally.
 */
function lostReplyKafka(outcome: 'landed' | 'another member committed') {
  const { events, consumer, processBatch, resolveOffset } = consumerStandIn();
  let committedOffset = { offset: '-1', metadata: null as string | null };
  let producersMade = 0;
  const producer = () => {
    const lostReply = ++producersMade === 1;
    return {
      connect: async () => undefined,
      disconnect: async () => undefined,
      transaction: async () => {
        let offsets = committedOffset;
        return {
          sendBatch: async () => [{ topicName: 'out', partition: 0, baseOffset: '0', errorCode: 0 }],
          sendOffsets: async ({ topics }: { topics: { partitions: { offset: string; metadata: string }[] }[] }) => {
            const [{ offset, metadata }] = topics[0]!.partitions;
            offsets = { offset, metadata };
          },
          commit: async () => {
            committedOffset =
              lostReply && outcome === 'another member committed' ? { offset: '9', metadata: 'their own' } : offsets;
            if (lostReply) throw new Error('Request EndTxn(key: 26) timed out');
          },
          abort: async () => {
            if (lostReply) throw new Error('Transaction state exception: Cannot call "abort" in state "COMMITTING"');
          },
        };
      },
    };
  };
  const kafka = {
    consumer: () => consumer,
    producer,
    admin: () => ({
      connect: async () => undefined,
      disconnect: async () => undefined,
      fetchOffsets: async () => [{ topic: 'in', partitions: [{ partition: 0, ...committedOffset }] }],
    }),
  } as unknown as Kafka;
  return { kafka, consumer, events, processBatch, resolveOffset, committed: () => committedOffset.offset };
}

describe.each([
  ['each batch waits for its commit', false],
  ['pipelined commits', true],
])('KafkaConsumerTransport, a commit reported failed that landed (%s)', (_mode, pipelineCommits) => {
  let transport: KafkaConsumerTransport | undefined;
  afterEach(async () => transport?.close());

  it('counts the batch as committed instead of processing it again', async () => {
    const standIn = lostReplyKafka('landed');
    let handler: jest.Mock, afterCommit: jest.Mock;
    ({ transport, handler, afterCommit } = await started(standIn, pipelineCommits));

    await standIn.processBatch();
    await transport?.close();
    transport = undefined;

    expect(standIn.committed()).toBe('6');
    expect(handler).toHaveBeenCalledTimes(1);
    expect(afterCommit).toHaveBeenCalledTimes(1);
    expect(standIn.resolveOffset).toHaveBeenCalledWith('5');
    expect(standIn.consumer.seek).not.toHaveBeenCalled();
  });

  it("does not take another member's commit past the batch for its own", async () => {
    const standIn = lostReplyKafka('another member committed');
    const { consumer, processBatch, resolveOffset } = standIn;
    let afterCommit: jest.Mock;
    ({ transport, afterCommit } = await started(standIn, pipelineCommits));

    const failure = await processBatch();
    await transport?.close();
    transport = undefined;

    expect(afterCommit).not.toHaveBeenCalled();
    // Not committed: the batch is read again (kafkajs retries it, or the pipelined consumer seeks back).
    if (pipelineCommits) expect(consumer.seek).toHaveBeenCalledWith({ topic: 'in', partition: 0, offset: '5' });
    else {
      expect(failure).toBeInstanceOf(Error);
      expect(resolveOffset).not.toHaveBeenCalled();
    }
  });
});
