import { Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { ApiKeyRecord } from '@app/contracts';
import { apiKeyIdOf, apiKeyMatches, secretEquals } from '@app/domain';
import { HealthController } from '@app/health';
import type { CompactedTopicView } from '@app/kafka';
import { MetricsController } from '@app/metrics';

/** Injection token of the `ApiKeys` view. */
export const API_KEYS = Symbol('API_KEYS');

/** Every API key (its hash and revocation), materialised from `tenant.api-keys`. */
export type ApiKeys = CompactedTopicView<ApiKeyRecord>;

/** A request the guard let through, with whom it acts for. */
export interface AuthenticatedRequest extends Request {
  tenantId?: string;
  apiKeyId?: string;
}

/** Thrown when a request's credentials are missing, unknown or revoked (401). */
export class AuthenticationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthenticationError';
  }
}

const OPERATOR_ONLY = 'aw:operator-only';

/**
 * The routes of a controller (or one handler) take the operator token (`ADMIN_API_TOKEN`) instead
 * of a tenant's API key: the bootstrap of tenants' keys.
 */
export const OperatorOnly = () => SetMetadata(OPERATOR_ONLY, true);

/** Probes and scrapes stay open: orchestrators and Prometheus hold no API key. */
const UNAUTHENTICATED_CONTROLLERS: ReadonlySet<unknown> = new Set([HealthController, MetricsController]);

/**
 * Authenticates every HTTP request of a service with a tenant API (a global guard):
 * `Authorization: Bearer <API key>` of a key that exists in the view and is not revoked puts its
 * tenant on the request, where `@TenantId()` reads it. Health and metrics are open; `@OperatorOnly()`
 * routes take the operator token instead (refused whenever none is configured).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly apiKeys: ApiKeys,
    private readonly reflector: Reflector,
    private readonly operatorToken: string,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http' || UNAUTHENTICATED_CONTROLLERS.has(context.getClass())) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const credential = bearerOf(request);
    const operatorOnly = this.reflector.getAllAndOverride<boolean>(OPERATOR_ONLY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (operatorOnly) {
      if (this.operatorToken === '' || !secretEquals(credential, this.operatorToken)) {
        throw new AuthenticationError('this route takes the operator token (ADMIN_API_TOKEN) as a bearer token');
      }
      return true;
    }
    const id = apiKeyIdOf(credential);
    const record = id === null ? undefined : this.apiKeys.get(id);
    if (!record || !apiKeyMatches(credential, record.keyHash)) {
      throw new AuthenticationError('unknown API key: send Authorization: Bearer <API key>');
    }
    if (record.revokedAt !== null) throw new AuthenticationError(`API key ${record.id} is revoked`);
    request.tenantId = record.tenantId;
    request.apiKeyId = record.id;
    return true;
  }
}

function bearerOf(request: Request): string {
  const header = request.header('authorization');
  if (header === undefined) throw new AuthenticationError('send Authorization: Bearer <API key>');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) throw new AuthenticationError('the Authorization header must be "Bearer <API key>"');
  return match[1];
}
