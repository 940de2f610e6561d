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
 * Publishes a table's changes to its compacted topic: a transactional outbox whose outbox is the
 * `published_version` column. A change is committed to Postgres first; then this publishes every
 * row whose latest version is not yet on the topic, with the rows locked so that an older version
 * can never overtake a newer one. A failed publish is retried by the relay's interval.
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
    this.relay = new OutboxRelay(name, () => this.publishLockedRows(), dependencies.logger);
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

  private publishLockedRows(): Promise<number> {
    const { dataSource, producer } = this.dependencies;
    return dataSource.transaction(async (manager) => {
      const repository = manager.getRepository(this.table.entity);
      const pending = await repository
        .createQueryBuilder('outbox')
        .where('outbox.published_version < outbox.version')
        .orderBy(`outbox.${this.table.orderBy}`)
        .limit(BATCH_ROWS)
        .setLock('pessimistic_write')
        .setOnLocked('skip_locked')
        .getMany();
      if (pending.length === 0) return 0;
      await sendChunked(producer, pending.map(this.table.toRecord));
      // Plain SQL: an update through the entity would also move an `updated_at` column.
      const table = repository.metadata.tablePath;
      for (const row of pending) {
        await manager.query(`UPDATE ${table} SET published_version = $1 WHERE id = $2`, [row.version, row.id]);
      }
      return pending.length;
    });
  }
}
