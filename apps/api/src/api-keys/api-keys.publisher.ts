import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { Topics, type ApiKeyRecord } from '@app/contracts';
import { KAFKA_PRODUCER, jsonRecord, sendChunked, type Producer } from '@app/kafka';
import { APP_CONFIG, APP_LOGGER } from '@app/platform';
import type { ApiConfig } from '../config';
import { OutboxRelay } from '../outbox/outbox-relay';
import { ApiKeyEntity } from './api-key.entity';

export function toApiKeyRecord(apiKey: ApiKeyEntity): ApiKeyRecord {
  return {
    id: apiKey.id,
    tenantId: apiKey.tenantId,
    keyHash: apiKey.keyHash,
    createdAt: apiKey.createdAt.toISOString(),
    revokedAt: apiKey.revokedAt?.toISOString() ?? null,
  };
}

/**
 * Publishes API keys (hash and revocation) to the compacted `tenant.api-keys` topic, from which
 * every HTTP service authenticates, through the same kind of outbox as the workflow definitions
 * (an OutboxRelay over the `published_version` column).
 */
@Injectable()
export class ApiKeysPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly relay: OutboxRelay;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(KAFKA_PRODUCER) private readonly producer: Producer,
    @Inject(APP_CONFIG) private readonly config: ApiConfig,
    @Inject(APP_LOGGER) logger: Logger,
  ) {
    this.relay = new OutboxRelay('API keys', () => this.publishLockedRows(), logger);
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
        .getRepository(ApiKeyEntity)
        .createQueryBuilder('key')
        .where('key.published_version < key.version')
        .orderBy('key.created_at')
        .limit(500)
        .setLock('pessimistic_write')
        .setOnLocked('skip_locked')
        .getMany();
      if (pending.length === 0) return 0;
      await sendChunked(
        this.producer,
        pending.map((apiKey) => jsonRecord(Topics.apiKeys.name, apiKey.id, toApiKeyRecord(apiKey))),
      );
      for (const apiKey of pending) {
        await manager.update(ApiKeyEntity, { id: apiKey.id }, { publishedVersion: apiKey.version });
      }
      return pending.length;
    });
  }
}
