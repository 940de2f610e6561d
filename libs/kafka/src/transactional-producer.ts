import type { Kafka, Producer, Transaction } from 'kafkajs';
import type { Logger } from 'pino';
import { TRANSACTION_TIMEOUT_MS, createProducer } from './kafka-client';

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
    return this.producer.disconnect();
  }

  /**
   * Runs `work` in a transaction and commits it. On failure the transaction is aborted (its
   * records are never read by read_committed consumers) and the error rethrown.
   */
  async inTransaction<T>(work: (transaction: Transaction) => Promise<T>): Promise<T> {
    if (this.broken !== null) await this.replace();
    const began = Date.now();
    const transaction = await this.producer.transaction();
    try {
      const result = await work(transaction);
      await transaction.commit();
      return result;
    } catch (error) {
      if (isFencing(error) && Date.now() - began >= TRANSACTION_TIMEOUT_MS) {
        this.broken = error;
        throw new TransactionTimedOut(error);
      }
      await transaction.abort().catch((abortError: unknown) => {
        // After a failed commit kafkajs refuses the abort too: the transaction could not be ended.
        if (isFencing(error) || isFencing(abortError)) return;
        this.broken = abortError;
        this.logger.warn(
          { err: abortError, transactionalId: this.transactionalId },
          'the Kafka transaction could not be aborted; the producer is replaced before the next one',
        );
      });
      throw error;
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
