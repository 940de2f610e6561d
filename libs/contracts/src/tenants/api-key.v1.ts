import { Type, type Static } from '@sinclair/typebox';
import { TenantId, Timestamp } from '../schema-helpers';
import { compileValidator } from '../validation';

export const ApiKeyIdSchema = Type.String({
  pattern: '^[a-z0-9]{12}$',
  description: 'Public id of an API key: 12 lower-case letters or digits, also part of the key itself.',
});

/**
 * `tenant.api-keys` (compacted, key = API key id): every API key the api issued, with the SHA-256
 * of the key (never the key) and whether it is revoked. The HTTP services materialise it to
 * authenticate requests without reading the api's tables; a revocation is a new value, not a
 * tombstone, so that a revoked key can be told from an unknown one in the logs.
 */
export const ApiKeyRecordSchema = Type.Object(
  {
    id: ApiKeyIdSchema,
    tenantId: TenantId,
    keyHash: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the whole key, hex.' }),
    createdAt: Timestamp('When the key was issued.'),
    revokedAt: Type.Union([Timestamp('When the key was revoked.'), Type.Null()]),
  },
  { additionalProperties: false },
);
export type ApiKeyRecord = Static<typeof ApiKeyRecordSchema>;
export const apiKeyRecordValidator = compileValidator(ApiKeyRecordSchema);
