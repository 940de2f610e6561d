import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { ApiKeyView, CreatedApiKeyView } from '@app/contracts';
import { apiKeyPrefix, issueApiKey } from '@app/domain';
import { APP_LOGGER, NotFoundError } from '@app/platform';
import { ApiKeyEntity } from './api-key.entity';
import { ApiKeysPublisher } from './api-keys.publisher';

function toView(apiKey: ApiKeyEntity): ApiKeyView {
  return {
    id: apiKey.id,
    tenantId: apiKey.tenantId,
    prefix: apiKeyPrefix(apiKey.id),
    createdAt: apiKey.createdAt.toISOString(),
    revokedAt: apiKey.revokedAt?.toISOString() ?? null,
  };
}

/** A tenant's API keys: issued (the key shown once, its hash kept), listed, revoked. */
@Injectable()
export class ApiKeysService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly publisher: ApiKeysPublisher,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  async issue(tenantId: string): Promise<CreatedApiKeyView> {
    const { id, key, keyHash } = issueApiKey();
    const apiKey = await this.dataSource.getRepository(ApiKeyEntity).save({
      id,
      tenantId,
      keyHash,
      revokedAt: null,
      version: 1,
      publishedVersion: 0,
    });
    await this.publisher.publishSoon();
    this.logger.info({ tenantId, apiKeyId: id }, 'API key issued');
    return { ...toView(apiKey), key };
  }

  async list(tenantId: string): Promise<ApiKeyView[]> {
    const keys = await this.dataSource.getRepository(ApiKeyEntity).find({
      where: { tenantId },
      order: { createdAt: 'ASC' },
    });
    return keys.map(toView);
  }

  /** Revoking a revoked key changes nothing; another tenant's key is reported as missing. */
  async revoke(tenantId: string, id: string): Promise<void> {
    const revoked = await this.dataSource.transaction(async (manager) => {
      const apiKey = await manager.findOne(ApiKeyEntity, {
        where: { id, tenantId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!apiKey) throw new NotFoundError('API key', id);
      if (apiKey.revokedAt !== null) return false;
      await manager.update(ApiKeyEntity, { id }, { revokedAt: new Date(), version: apiKey.version + 1 });
      return true;
    });
    if (!revoked) return;
    await this.publisher.publishSoon();
    this.logger.info({ tenantId, apiKeyId: id }, 'API key revoked');
  }
}
