import { setTimeout as delay } from 'node:timers/promises';
import type { Kafka, Producer, Transaction } from 'kafkajs';
import type { Logger } from 'pino';
import { TRANSACTION_TIMEOUT_MS, createProducer } from './kafka-client';

/** How long a batch waits to learn whether its commit, reported failed, landed after all. */
const SETTLE_TIMEOUT_MS = 3_000;

/** The producer's transactional id was taken over by another instance: it can never commit again. */
export function isFencing(error: unknown): boolean {
  if (error instanceof TransactionTimedOut) return false;
  const types = [error, (error as { cause?: unknown } | null)?.cause].map(
    (candidate) => (candidate as { type?: unknown } | null)?.type,
  );
  return types.some((type) => type === 'INVALID_PRODUCER_EPOCH' || type === 'PRODUCER_FENCED');
}

/**
 * A transaction that stayed open past TRANSACTION_TIMEOUT_MS (its requests retried through a broker
 * outage): the coordinator aborted it and bumped the epoch, which kafkajs reports as fencing. No
 * other instance holds the id: the producer is replaced like one whose transaction could not end.
 */
export class TransactionTimedOut extends Error {
  constructor(readonly reported: unknown) {
    super(
      `the Kafka transaction outlasted its ${TRANSACTION_TIMEOUT_MS} ms timeout and was aborted by the coordinator`,
    );
    this.name = 'TransactionTimedOut';
  }
}

/**
 * A transactional producer whose next transaction can always begin. kafkajs (2.2.4) sends EndTxn
 * once, without retrying it, and only after moving its transaction state to COMMITTING (or
 * ABORTING): when that request fails (a timeout, the coordinator moving during a broker restart),
 * the state stays there, where neither an abort nor a new transaction is allowed, for the life of
 * the producer. One blip while committing would make every later commit fail. So when a
 * transaction could not be ended, this replaces the producer with a new one of the same
 * transactional id before the next transaction: initialising it bumps the id's epoch, which makes
 * the coordinator abort whatever the old one left open. A fenced producer is not replaced (another
 * instance holds the id now; taking it back would fence that one in turn): its error is rethrown;
 * unless the transaction outlasted its timeout, when the "fencing" is the coordinator's abort of it
 * (TransactionTimedOut).
 */
export class TransactionalProducer {
  private producer: Producer;
  /** Set when a transaction could not be ended: the producer is replaced before the next one. */
  private broken: unknown = null;
  /** A failed commit being settled (landedAfterAll): the next transaction waits for it. */
  private settling: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly transactionalId: string,
    private readonly logger: Logger,
  ) {
    this.producer = createProducer(kafka, { transactionalId });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  disconnect(): Promise<void> {
    this.closed = true;
    return this.producer.disconnect();
  }

  /**
   * Runs `work` in a transaction and commits it. On failure the transaction is aborted (its
   * records are never read by read_committed consumers) and the error rethrown. A commit can fail
   * after all and yet have landed (EndTxn reached the coordinator, its reply was lost): with
   * `landed`, which tells from the broker whether the transaction's effect is there (the group's
   * committed offsets), such a commit is settled first and reported as the success it was, so its
   * batch is not produced a second time.
   */
  async inTransaction<T>(
    work: (transaction: Transaction) => Promise<T>,
    { landed }: { landed?: () => Promise<boolean> } = {},
  ): Promise<T> {
    if (this.settling) await this.settling;
    this.settling = null;
    if (this.broken !== null) await this.replace();
    const began = Date.now();
    const transaction = await this.producer.transaction();
    let done: { result: T } | null = null;
    try {
      done = { result: await work(transaction) };
      await transaction.commit();
      return done.result;
    } catch (error) {
      if (isFencing(error) && Date.now() - began >= TRANSACTION_TIMEOUT_MS) {
        this.broken = error;
        throw new TransactionTimedOut(error);
      }
      let fenced = isFencing(error);
      const aborted = await transaction.abort().then(
        () => true,
        (abortError: unknown) => {
          // After a failed commit kafkajs refuses the abort too: the transaction could not be ended.
          fenced ||= isFencing(abortError);
          if (fenced) return false;
          this.broken = abortError;
          this.logger.warn(
            { err: abortError, transactionalId: this.transactionalId },
            'the Kafka transaction could not be aborted; the producer is replaced before the next one',
          );
          return false;
        },
      );
      // Unended after its work was done: the commit may have reached the coordinator. A fenced
      // producer's id belongs to another instance now, which has settled it.
      if (done && !aborted && !fenced && landed && (await this.landedAfterAll(landed))) {
        this.logger.warn(
          { err: error, transactionalId: this.transactionalId },
          'committing the Kafka transaction was reported failed, but it landed',
        );
        return done.result;
      }
      throw error;
    }
  }

  /**
   * Whether a transaction whose commit failed landed anyway, asked for at most SETTLE_TIMEOUT_MS
   * (a batch's handler waits meanwhile, without heartbeats). A new producer of the same id must
   * end whatever the old one left open before it may begin a transaction: the coordinator
   * completes a commit it had been told of and aborts anything else. Only then does `landed` read
   * what stayed. False when that cannot be settled in time (the work is done again, as it was
   * before settling existed); the next transaction waits for the settling to end either way.
   */
  private async landedAfterAll(landed: () => Promise<boolean>): Promise<boolean> {
    const settled = this.settle();
    this.settling = settled;
    let givenUp = false;
    const answer = (async () => {
      await settled;
      return !givenUp && !this.closed && this.broken === null && (await landed());
    })().catch((error: unknown) => {
      this.logger.warn(
        { err: error, transactionalId: this.transactionalId },
        'reading whether a Kafka commit landed failed',
      );
      return false;
    });
    const inTime = await Promise.race([answer, delay(SETTLE_TIMEOUT_MS, null, { ref: false })]);
    if (inTime === null) {
      givenUp = true;
      this.logger.warn(
        { transactionalId: this.transactionalId, timeoutMs: SETTLE_TIMEOUT_MS },
        'the outcome of a failed Kafka commit was not settled in time; its work is done again',
      );
    }
    return inTime === true;
  }

  /** Replaces the producer and initialises its transactional id; never rejects (a failure leaves it broken). */
  private async settle(): Promise<void> {
    try {
      await this.replace();
      // Closed meanwhile: the producer just connected must not outlive it.
      if (this.closed) return await this.producer.disconnect();
      // Its first transaction initialises the id (InitProducerId); ending it empty sends nothing.
      await (await this.producer.transaction()).abort();
    } catch (error) {
      this.broken = error;
      this.logger.warn(
        { err: error, transactionalId: this.transactionalId },
        'the outcome of a failed Kafka commit could not be settled; its work is done again',
      );
    }
  }

  private async replace(): Promise<void> {
    const previous = this.producer;
    this.producer = createProducer(this.kafka, { transactionalId: this.transactionalId });
    await previous.disconnect().catch((error: unknown) => {
      this.logger.warn({ err: error }, 'disconnecting the replaced Kafka producer failed');
    });
    await this.producer.connect();
    this.logger.info({ transactionalId: this.transactionalId, cause: String(this.broken) }, 'Kafka producer replaced');
    this.broken = null;
  }
}
