import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { InvalidInputError } from '@app/contracts';

const TENANT_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const TENANT_HEADER = 'x-tenant-id';

/**
 * The tenant a request acts for, from the `X-Tenant-Id` header.
 * Interim: per-tenant API keys replace this header (see docs/api.md).
 */
export const TenantId = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const value = context.switchToHttp().getRequest<Request>().header(TENANT_HEADER);
  if (value === undefined || !TENANT_PATTERN.test(value)) {
    throw new InvalidInputError(
      'invalid_tenant',
      `header ${TENANT_HEADER} is required: 1-64 letters, digits, "_" or "-"`,
      [
        {
          field: `header:${TENANT_HEADER}`,
          reason: value === undefined ? 'is required' : 'must match ^[A-Za-z0-9_-]{1,64}$',
        },
      ],
    );
  }
  return value;
});
