import { setTimeout as delay } from 'node:timers/promises';
import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import type { DataSource, EntityTarget } from 'typeorm';
import { sendChunked, type OutboundRecord, type Producer } from '@app/kafka';
import { OutboxRelay } from './outbox-relay';

/** Rows published in one transaction at most. */
const BATCH_ROWS = 500;

/** A table whose `published_version` column is its outbox. */
export interface OutboxTable<E extends { id: string; version: number }> {
  entity: EntityTarget<E>;
  /** Column the pending rows are published in order of. */
  orderBy: 'created_at' | 'updated_at';
  toRecord: (row: E) => OutboundRecord;
}

export interface OutboxPublisherDependencies {
  dataSource: DataSource;
  producer: Producer;
  intervalMs: number;
  logger: Logger;
}

/**
 * How long a request that changed a row waits for its change to be published before it answers
 * anyway: the change is committed, and the relay publishes it once Kafka answers again.
 */
const PUBLISH_WAIT_MS = 2_000;

/**
 * Publishes a table's changes to its compacted topic: a transactional outbox whose outbox is the
 * `published_version` column. A change is committed to Postgres first; then this publishes every
 * row whose latest version is not yet on the topic. One publisher at a time, across every api
 * instance (an advisory lock), so that an older version can never overtake a newer one; the rows
 * themselves are not locked while Kafka is asked, so changes to them never wait for Kafka.
 */
export abstract class OutboxPublisher<E extends { id: string; version: number }>
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly relay: OutboxRelay;

  protected constructor(
    name: string,
    private readonly dependencies: OutboxPublisherDependencies,
    private readonly table: OutboxTable<E>,
  ) {
    this.relay = new OutboxRelay(name, () => this.publishPendingRows(), dependencies.logger);
  }

  onApplicationBootstrap(): void {
    this.relay.start(this.dependencies.intervalMs);
  }

  onApplicationShutdown(): void {
    this.relay.stop();
  }

  /** Publishes what is pending; concurrent callers share one run. Returns how many were published. */
  publishPending(): Promise<number> {
    return this.relay.publishPending();
  }

  /**
   * After a change committed: publishes it now, so that the data plane sees it within about a
   * second, but waits at most PUBLISH_WAIT_MS; a failed or slow publish is left to the relay.
   */
  async publishSoon(): Promise<void> {
    await Promise.race([
      this.publishPending().catch(() => undefined),
      delay(PUBLISH_WAIT_MS, undefined, { ref: false }),
    ]);
  }

  private publishPendingRows(): Promise<number> {
    const { dataSource, producer } = this.dependencies;
    return dataSource.transaction(async (manager) => {
      const repository = manager.getRepository(this.table.entity);
      const table = repository.metadata.tablePath;
      // Held until this transaction ends: another run (here or on another instance) waits, then reads what is left.
      await manager.query(
        `SELECT pg_advisory_xact_lock(hashtext('agent-workflows/outbox/' || current_schema() || '/' || $1))`,
        [table],
      );
      const pending = await repository
        .createQueryBuilder('outbox')
        .where('outbox.published_version < outbox.version')
        .orderBy(`outbox.${this.table.orderBy}`)
        .limit(BATCH_ROWS)
        .getMany();
      if (pending.length === 0) return 0;
      await sendChunked(producer, pending.map(this.table.toRecord));
      // Plain SQL: an update through the entity would also move an `updated_at` column. A row changed
      // meanwhile keeps its newer version pending: the next run publishes it.
      for (const row of pending) {
        await manager.query(`UPDATE ${table} SET published_version = $1 WHERE id = $2 AND published_version < $1`, [
          row.version,
          row.id,
        ]);
      }
      return pending.length;
    });
  }
}
