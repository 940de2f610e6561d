import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AuthenticatedRequest } from './authentication';

/**
 * The tenant a request acts for: the tenant of its API key, put on the request by the global
 * `ApiKeyGuard` (see authentication.ts). A handler that asks for it on a service without the
 * guard is a programming error (500), never an anonymous request.
 */
export const TenantId = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const tenantId = context.switchToHttp().getRequest<AuthenticatedRequest>().tenantId;
  if (tenantId === undefined) throw new Error('no authenticated tenant: the service has no ApiKeyGuard');
  return tenantId;
});
