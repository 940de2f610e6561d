import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { Topics, type ApiKeyRecord } from '@app/contracts';
import { KAFKA_PRODUCER, jsonRecord, type Producer } from '@app/kafka';
import { APP_CONFIG, APP_LOGGER } from '@app/platform';
import type { ApiConfig } from '../config';
import { OutboxPublisher } from '../outbox/outbox-publisher';
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
 * every HTTP service authenticates, through the same kind of outbox as the workflow definitions.
 */
@Injectable()
export class ApiKeysPublisher extends OutboxPublisher<ApiKeyEntity> {
  constructor(
    @InjectDataSource() dataSource: DataSource,
    @Inject(KAFKA_PRODUCER) producer: Producer,
    @Inject(APP_CONFIG) config: ApiConfig,
    @Inject(APP_LOGGER) logger: Logger,
  ) {
    super(
      'API keys',
      { dataSource, producer, intervalMs: config.DEFINITIONS_RELAY_INTERVAL_MS, logger },
      {
        entity: ApiKeyEntity,
        orderBy: 'created_at',
        toRecord: (apiKey) => jsonRecord(Topics.apiKeys.name, apiKey.id, toApiKeyRecord(apiKey)),
      },
    );
  }
}
