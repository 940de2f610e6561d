import { Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiKeyListViewSchema,
  CreatedApiKeyViewSchema,
  InvalidInputError,
  type ApiKeyListView,
  type CreatedApiKeyView,
} from '@app/contracts';
import { ApiErrors, ApiKeyAuth, OperatorOnly, OperatorTokenAuth, TenantId, openApiSchema } from '@app/platform';
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
@ApiTags('admin')
@OperatorTokenAuth()
@Controller('v1/admin/tenants/:tenantId/api-keys')
@OperatorOnly()
export class AdminApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @ApiOperation({ summary: 'Issue an API key for the tenant: the answer is the only one that shows it.' })
  @ApiCreatedResponse({ schema: openApiSchema(CreatedApiKeyViewSchema) })
  @ApiErrors(400)
  @Post()
  issue(@Param('tenantId') tenantId: string): Promise<CreatedApiKeyView> {
    return this.apiKeys.issue(requireTenantId(tenantId));
  }

  @ApiOperation({ summary: "The tenant's API keys (id, prefix, created, revoked; never the key)." })
  @ApiOkResponse({ schema: openApiSchema(ApiKeyListViewSchema) })
  @ApiErrors(400)
  @Get()
  async list(@Param('tenantId') tenantId: string): Promise<ApiKeyListView> {
    return { items: await this.apiKeys.list(requireTenantId(tenantId)) };
  }

  @ApiOperation({ summary: 'Revoke a key: every service refuses it within about a second.' })
  @ApiNoContentResponse({ description: 'Revoked (or already revoked).' })
  @ApiErrors(400, 404)
  @Delete(':keyId')
  @HttpCode(204)
  revoke(@Param('tenantId') tenantId: string, @Param('keyId') keyId: string): Promise<void> {
    return this.apiKeys.revoke(requireTenantId(tenantId), keyId);
  }
}

/** A tenant's own keys, managed with one of its keys (e.g. to rotate: issue a new one, revoke the old). */
@ApiTags('api-keys')
@ApiKeyAuth()
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @ApiOperation({ summary: "Issue another key for the key's tenant (to rotate: issue, switch, revoke the old one)." })
  @ApiCreatedResponse({ schema: openApiSchema(CreatedApiKeyViewSchema) })
  @Post()
  issue(@TenantId() tenantId: string): Promise<CreatedApiKeyView> {
    return this.apiKeys.issue(tenantId);
  }

  @ApiOperation({ summary: "The key's tenant's API keys (never the keys)." })
  @ApiOkResponse({ schema: openApiSchema(ApiKeyListViewSchema) })
  @Get()
  async list(@TenantId() tenantId: string): Promise<ApiKeyListView> {
    return { items: await this.apiKeys.list(tenantId) };
  }

  @ApiOperation({ summary: "Revoke one of the tenant's keys (the one in use too)." })
  @ApiNoContentResponse({ description: 'Revoked (or already revoked).' })
  @ApiErrors(404)
  @Delete(':keyId')
  @HttpCode(204)
  revoke(@TenantId() tenantId: string, @Param('keyId') keyId: string): Promise<void> {
    return this.apiKeys.revoke(tenantId, keyId);
  }
}
