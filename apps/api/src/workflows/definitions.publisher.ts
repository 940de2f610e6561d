import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Producer } from '@app/kafka';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { Topics, type WorkflowDefinition } from '@app/contracts';
import { KAFKA_PRODUCER, jsonRecord, sendChunked, type OutboundRecord } from '@app/kafka';
import { APP_CONFIG, APP_LOGGER } from '@app/platform';
import type { ApiConfig } from '../config';
import { OutboxRelay } from '../outbox/outbox-relay';
import { WorkflowEntity } from './workflow.entity';

export function toDefinition(workflow: WorkflowEntity): WorkflowDefinition {
  return {
    id: workflow.id,
    tenantId: workflow.tenantId,
    name: workflow.name,
    version: workflow.version,
    status: workflow.status,
    trigger: workflow.trigger,
    action: workflow.action,
    firing: workflow.firing,
    signingSecret: workflow.signingSecret,
    ...(workflow.previousSigningSecret && workflow.previousSigningSecretExpiresAt
      ? {
          previousSigningSecret: {
            secret: workflow.previousSigningSecret,
            expiresAt: workflow.previousSigningSecretExpiresAt.toISOString(),
          },
        }
      : {}),
    updatedAt: workflow.updatedAt.toISOString(),
  };
}

/**
 * Publishes workflow changes to the compacted `workflow.definitions` topic: a transactional outbox
 * whose outbox is the `published_version` column. A change is committed to Postgres first; then
 * this publishes every row whose latest version is not yet on the topic, with the rows locked so
 * that an older version can never overtake a newer one. A failed publish is retried by the relay.
 */
@Injectable()
export class DefinitionsPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly relay: OutboxRelay;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(KAFKA_PRODUCER) private readonly producer: Producer,
    @Inject(APP_CONFIG) private readonly config: ApiConfig,
    @Inject(APP_LOGGER) logger: Logger,
  ) {
    this.relay = new OutboxRelay('definitions', () => this.publishLockedRows(), logger);
  }

  onApplicationBootstrap(): void {
    this.relay.start(this.config.DEFINITIONS_RELAY_INTERVAL_MS);
  }

  onApplicationShutdown(): void {
    this.relay.stop();
  }

  /** Publishes what is pending; concurrent callers share one run. Returns how many were published. */
  publishPending(): Promise<number> {
    return this.relay.publishPending();
  }

  private publishLockedRows(): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const pending = await manager
        .getRepository(WorkflowEntity)
        .createQueryBuilder('workflow')
        .where('workflow.published_version < workflow.version')
        .orderBy('workflow.updated_at')
        .limit(500)
        .setLock('pessimistic_write')
        .setOnLocked('skip_locked')
        .getMany();
      if (pending.length === 0) return 0;
      const records: OutboundRecord[] = pending.map((workflow) =>
        workflow.deletedAt
          ? { topic: Topics.workflowDefinitions.name, key: workflow.id, value: null }
          : jsonRecord(Topics.workflowDefinitions.name, workflow.id, toDefinition(workflow)),
      );
      await sendChunked(this.producer, records);
      for (const workflow of pending) {
        await manager.query('UPDATE workflows SET published_version = $1 WHERE id = $2', [
          workflow.version,
          workflow.id,
        ]);
      }
      return pending.length;
    });
  }
}
