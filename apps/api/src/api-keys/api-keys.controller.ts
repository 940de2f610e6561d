import { Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { InvalidInputError, type ApiKeyListView, type CreatedApiKeyView } from '@app/contracts';
import { OperatorOnly, TenantId } from '@app/platform';
import { ApiKeysService } from './api-keys.service';

const TENANT_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

function requireTenantId(tenantId: string): string {
  if (!TENANT_PATTERN.test(tenantId)) {
    throw new InvalidInputError('invalid_path', 'tenantId must be 1-64 letters, digits, "_" or "-"', [
      { field: 'path:tenantId', reason: 'must match ^[A-Za-z0-9_-]{1,64}$' },
    ]);
  }
  return tenantId;
}

/** The operator's bootstrap: keys of any tenant, with the operator token (ADMIN_API_TOKEN). */
@Controller('v1/admin/tenants/:tenantId/api-keys')
@OperatorOnly()
export class AdminApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  issue(@Param('tenantId') tenantId: string): Promise<CreatedApiKeyView> {
    return this.apiKeys.issue(requireTenantId(tenantId));
  }

  @Get()
  async list(@Param('tenantId') tenantId: string): Promise<ApiKeyListView> {
    return { items: await this.apiKeys.list(requireTenantId(tenantId)) };
  }

  @Delete(':keyId')
  @HttpCode(204)
  revoke(@Param('tenantId') tenantId: string, @Param('keyId') keyId: string): Promise<void> {
    return this.apiKeys.revoke(requireTenantId(tenantId), keyId);
  }
}

/** A tenant's own keys, managed with one of its keys (e.g. to rotate: issue a new one, revoke the old). */
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  issue(@TenantId() tenantId: string): Promise<CreatedApiKeyView> {
    return this.apiKeys.issue(tenantId);
  }

  @Get()
  async list(@TenantId() tenantId: string): Promise<ApiKeyListView> {
    return { items: await this.apiKeys.list(tenantId) };
  }

  @Delete(':keyId')
  @HttpCode(204)
  revoke(@TenantId() tenantId: string, @Param('keyId') keyId: string): Promise<void> {
    return this.apiKeys.revoke(tenantId, keyId);
  }
}
