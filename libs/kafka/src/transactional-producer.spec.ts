import type { Kafka } from 'kafkajs';
import pino from 'pino';
import { TRANSACTION_TIMEOUT_MS } from './kafka-client';
import { TransactionTimedOut, TransactionalProducer, isFencing } from './transactional-producer';

/** A kafkajs producer whose transactions end as told: commit and abort resolve, or reject with the given error. */
function fakeProducer(ending: { commit?: unknown; abort?: unknown } = {}) {
  const end = (error: unknown) => jest.fn(() => (error === undefined ? Promise.resolve() : Promise.reject(error)));
  return {
    connect: jest.fn(() => Promise.resolve()),
    disconnect: jest.fn(() => Promise.resolve()),
    transaction: jest.fn(() => Promise.resolve({ commit: end(ending.commit), abort: end(ending.abort) })),
  };
}

/** A producer whose connect ends only when the test says so (`connected`). */
function connectingOnCue() {
  const producer = fakeProducer();
  let connect: (() => void) | undefined;
  producer.connect.mockImplementation(() => new Promise<void>((resolve) => (connect = resolve)));
  return { producer, connected: () => connect!() };
}

function kafkaMaking(...producers: ReturnType<typeof fakeProducer>[]) {
  const made = [...producers];
  return { producer: jest.fn(() => made.shift()) } as unknown as Kafka & { producer: jest.Mock };
}

const logger = pino({ level: 'silent' });
const work = () => Promise.resolve('written');

describe('TransactionalProducer', () => {
  it('replaces the producer after a transaction it could not end (a failed commit, then a refused abort)', async () => {
    const stuck = fakeProducer({
      commit: new Error('EndTxn timed out'),
      abort: new Error('Cannot call "abort" in state "COMMITTING"'),
    });
    const fresh = fakeProducer();
    const kafka = kafkaMaking(stuck, fresh);
    const producer = new TransactionalProducer(kafka, 'tx-1', logger);
    await producer.connect();

    await expect(producer.inTransaction(work)).rejects.toThrow('EndTxn timed out');
    await expect(producer.inTransaction(work)).resolves.toBe('written');
    expect(kafka.producer).toHaveBeenCalledTimes(2);
    expect(kafka.producer.mock.calls.map(([options]) => options.transactionalId)).toEqual(['tx-1', 'tx-1']);
    expect(stuck.disconnect).toHaveBeenCalled();
    expect(fresh.connect).toHaveBeenCalled();
    expect(stuck.transaction).toHaveBeenCalledTimes(1);
  });

  it('keeps the producer when the abort worked (the work failed, the transaction ended)', async () => {
    const healthy = fakeProducer();
    const kafka = kafkaMaking(healthy);
    const producer = new TransactionalProducer(kafka, 'tx-2', logger);
    await expect(producer.inTransaction(() => Promise.reject(new Error('a send failed')))).rejects.toThrow(
      'a send failed',
    );
    await expect(producer.inTransaction(work)).resolves.toBe('written');
    expect(kafka.producer).toHaveBeenCalledTimes(1);
  });

  it('replaces the producer when the coordinator aborted a transaction that outlasted its timeout (reported as fencing)', async () => {
    const fencing = Object.assign(new Error('fenced'), { type: 'INVALID_PRODUCER_EPOCH' });
    const timedOut = fakeProducer({ commit: fencing, abort: new Error('Cannot call "abort" in state "COMMITTING"') });
    const kafka = kafkaMaking(timedOut, fakeProducer());
    const producer = new TransactionalProducer(kafka, 'tx-4', logger);
    const now = Date.now();
    jest
      .spyOn(Date, 'now')
      .mockReturnValueOnce(now)
      .mockReturnValue(now + TRANSACTION_TIMEOUT_MS);
    const failure = await producer.inTransaction(work).catch((error: unknown) => error);
    jest.restoreAllMocks();
    expect(failure).toBeInstanceOf(TransactionTimedOut);
    expect(isFencing(failure)).toBe(false);
    await expect(producer.inTransaction(work)).resolves.toBe('written');
    expect(kafka.producer).toHaveBeenCalledTimes(2);
  });

  it('does not take its transactional id back from the instance that fenced it', async () => {
    const fencing = Object.assign(new Error('fenced'), { type: 'PRODUCER_FENCED' });
    const fenced = fakeProducer({ commit: fencing, abort: new Error('Cannot call "abort" in state "COMMITTING"') });
    const kafka = kafkaMaking(fenced, fakeProducer());
    const producer = new TransactionalProducer(kafka, 'tx-3', logger);
    await expect(producer.inTransaction(work)).rejects.toBe(fencing);
    await producer.inTransaction(work).catch(() => undefined);
    expect(kafka.producer).toHaveBeenCalledTimes(1);
  });

  describe('a commit reported failed (its reply lost)', () => {
    const lostReply = () =>
      fakeProducer({
        commit: new Error('Request EndTxn timed out'),
        abort: new Error('Cannot call "abort" in state "COMMITTING"'),
      });

    it('settles it with a new producer of the same id, and reports success when it landed after all', async () => {
      const stuck = lostReply();
      const fresh = fakeProducer();
      const kafka = kafkaMaking(stuck, fresh);
      const producer = new TransactionalProducer(kafka, 'tx-5', logger);
      const order: string[] = [];
      fresh.connect.mockImplementation(async () => void order.push('connect'));
      fresh.transaction.mockImplementation(async () => {
        order.push('begin');
        return { commit: jest.fn(), abort: jest.fn(async () => void order.push('end empty')) };
      });
      const landed = jest.fn(async () => {
        order.push('landed?');
        return true;
      });

      await expect(producer.inTransaction(work, { landed })).resolves.toBe('written');
      // The coordinator ends the old transaction before the new id's first one begins: only then is it read.
      expect(order).toEqual(['connect', 'begin', 'end empty', 'landed?']);
      expect(kafka.producer.mock.calls.map(([options]) => options.transactionalId)).toEqual(['tx-5', 'tx-5']);
      // The next transaction runs on the new producer, without another replacement.
      await expect(producer.inTransaction(work)).resolves.toBe('written');
      expect(kafka.producer).toHaveBeenCalledTimes(2);
    });

    it('rethrows the failure when it did not land, or when the outcome cannot be settled', async () => {
      const notLanded = new TransactionalProducer(kafkaMaking(lostReply(), fakeProducer()), 'tx-6', logger);
      await expect(notLanded.inTransaction(work, { landed: async () => false })).rejects.toThrow('EndTxn timed out');

      const unreachable = fakeProducer();
      unreachable.connect.mockRejectedValueOnce(new Error('connection refused'));
      const kafka = kafkaMaking(lostReply(), unreachable, fakeProducer());
      const unsettled = new TransactionalProducer(kafka, 'tx-7', logger);
      const landed = jest.fn(async () => true);
      await expect(unsettled.inTransaction(work, { landed })).rejects.toThrow('EndTxn timed out');
      expect(landed).not.toHaveBeenCalled();
      // Still broken: the next transaction replaces the producer again first.
      await expect(unsettled.inTransaction(work)).resolves.toBe('written');
      expect(kafka.producer).toHaveBeenCalledTimes(3);
    });

    it('gives up waiting for the answer after 3 s; the next transaction waits for the settling to end', async () => {
      const { producer: slow, connected } = connectingOnCue();
      const producer = new TransactionalProducer(kafkaMaking(lostReply(), slow), 'tx-12', logger);
      const landed = jest.fn(async () => true);
      const began = Date.now();
      await expect(producer.inTransaction(work, { landed })).rejects.toThrow('EndTxn timed out');
      expect(Date.now() - began).toBeGreaterThanOrEqual(2_900);
      expect(landed).not.toHaveBeenCalled();

      let next = false;
      const nextTransaction = producer.inTransaction(work).then((result) => ((next = true), result));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(next).toBe(false);
      connected();
      await expect(nextTransaction).resolves.toBe('written');
      // The new producer, initialised by the settling, serves it: no third one.
      expect(slow.transaction).toHaveBeenCalledTimes(2);
    });

    it('leaves no producer connected when closed while settling', async () => {
      const { producer: connecting, connected } = connectingOnCue();
      const producer = new TransactionalProducer(kafkaMaking(lostReply(), connecting), 'tx-13', logger);
      const landed = jest.fn(async () => true);
      const failing = producer.inTransaction(work, { landed });
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(connecting.connect).toHaveBeenCalled();
      await producer.disconnect();
      connected();
      await expect(failing).rejects.toThrow('EndTxn timed out');
      // Disconnected once by close, and again once its connect ended; never initialised.
      expect(connecting.disconnect).toHaveBeenCalledTimes(2);
      expect(connecting.transaction).not.toHaveBeenCalled();
      expect(landed).not.toHaveBeenCalled();
    });

    it('never asks when the work failed, the transaction was aborted, or the producer was fenced', async () => {
      const landed = jest.fn(async () => true);
      const healthy = new TransactionalProducer(kafkaMaking(fakeProducer()), 'tx-8', logger);
      await expect(healthy.inTransaction(() => Promise.reject(new Error('a send failed')), { landed })).rejects.toThrow(
        'a send failed',
      );
      const refused = new TransactionalProducer(
        kafkaMaking(fakeProducer({ commit: new Error('refused before sending') })),
        'tx-10',
        logger,
      );
      await expect(refused.inTransaction(work, { landed })).rejects.toThrow('refused before sending');
      const fencing = Object.assign(new Error('fenced'), { type: 'PRODUCER_FENCED' });
      const fenced = new TransactionalProducer(
        kafkaMaking(fakeProducer({ commit: fencing, abort: fencing }), fakeProducer()),
        'tx-9',
        logger,
      );
      await expect(fenced.inTransaction(work, { landed })).rejects.toBe(fencing);
      // Fenced while the commit's reply was missing: the abort says so.
      const fencedMeanwhile = new TransactionalProducer(
        kafkaMaking(fakeProducer({ commit: new Error('Request EndTxn timed out'), abort: fencing }), fakeProducer()),
        'tx-11',
        logger,
      );
      await expect(fencedMeanwhile.inTransaction(work, { landed })).rejects.toThrow('EndTxn timed out');
      expect(landed).not.toHaveBeenCalled();
    });
  });
});
