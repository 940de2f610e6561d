import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { Topics, type ApiKeyRecord } from '@app/contracts';
import { KAFKA_PRODUCER, jsonRecord, sendChunked, type Producer } from '@app/kafka';
import { APP_CONFIG, APP_LOGGER } from '@app/platform';
import type { ApiConfig } from '../config';
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
 * every HTTP service authenticates: the same transactional outbox as the workflow definitions
 * (DefinitionsPublisher), its outbox being the `published_version` column. A change is published
 * at once by the request that made it; the relay retries what a failed publish left behind.
 */
@Injectable()
export class ApiKeysPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | null = null;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(KAFKA_PRODUCER) private readonly producer: Producer,
    @Inject(APP_CONFIG) private readonly config: ApiConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.publishPending().catch((error: unknown) =>
        this.logger.warn({ err: error }, 'API keys relay failed; will retry'),
      );
    }, this.config.DEFINITIONS_RELAY_INTERVAL_MS);
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Publishes what is pending; concurrent callers share one run. Returns how many were published. */
  publishPending(): Promise<number> {
    this.running ??= this.publishLockedRows().finally(() => (this.running = null));
    return this.running;
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
