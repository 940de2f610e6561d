import { setTimeout as delay } from 'node:timers/promises';
import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import type { DataSource, EntityTarget } from 'typeorm';
import { sendChunked, type OutboundRecord, type Producer } from '@app/kafka';
import { OutboxRelay } from './outbox-relay';

/** Rows published in one transaction at most. */
const BATCH_ROWS = 500;
/** Pending rows a run looks through for ones no other run holds. */
const SCAN_ROWS = 10 * BATCH_ROWS;

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
 * row whose latest version is not yet on the topic. Each row is published by one run at a time,
 * across every api instance (a transaction-scoped advisory lock naming the row), so that an older
 * version can never overtake a newer one; rows are not locked while Kafka is asked, so changes to
 * them never wait for Kafka, and a run stuck on one instance holds back only the rows it claimed.
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
      // One run per row at a time, across api instances, held until this transaction ends: a row
      // another run is publishing is passed over and left to it (and to the run after it), so a run
      // stuck on one instance holds back only its own rows. Locks that name the rows, not row
      // locks: a change to a row never waits for Kafka. The outer LIMIT stops the lazily evaluated
      // try-locks once a batch is claimed (a volatile condition is never pushed into the subquery).
      const claimed: { id: string }[] = await manager.query(
        `SELECT id FROM (
           SELECT id::text AS id FROM ${table} WHERE published_version < version ORDER BY ${this.table.orderBy} LIMIT $1
         ) AS candidate
         WHERE pg_try_advisory_xact_lock(hashtext('agent-workflows/outbox/' || current_schema() || '/' || $2 || '/' || id))
         LIMIT $3`,
        [SCAN_ROWS, table, BATCH_ROWS],
      );
      if (claimed.length === 0) return 0;
      // Read again once claimed: what another run published meanwhile is not sent again, and an older version never after a newer one.
      const pending = await repository
        .createQueryBuilder('outbox')
        .where('outbox.id IN (:...ids)', { ids: claimed.map(({ id }) => id) })
        .andWhere('outbox.published_version < outbox.version')
        .orderBy(`outbox.${this.table.orderBy}`)
        .getMany();
      if (pending.length === 0) return 0;
      await sendChunked(producer, pending.map(this.table.toRecord));
      // Plain SQL: an update through the entity would also move an `updated_at` column. A row changed
      // meanwhile keeps its newer version pending: the next run publishes it. A row a request holds
      // (it may be running the workflow's tests) is passed over rather than waited for: it stays
      // pending and the next run sends it again, which a compacted topic takes as it is.
      for (const row of pending) {
        await manager.query(
          `UPDATE ${table} SET published_version = $1
           WHERE id = (SELECT id FROM ${table} WHERE id = $2 FOR UPDATE SKIP LOCKED) AND published_version < $1`,
          [row.version, row.id],
        );
      }
      return pending.length;
    });
  }
}
