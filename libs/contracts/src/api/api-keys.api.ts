import { Type, type Static } from '@sinclair/typebox';
import { Timestamp } from '../schema-helpers';
import { ApiKeyIdSchema } from '../tenants/api-key.v1';

/** What anyone may see of an API key: never the key, nor its hash. */
export const ApiKeyViewSchema = Type.Object({
  id: ApiKeyIdSchema,
  tenantId: Type.String(),
  prefix: Type.String({ description: 'The start of the key (`awk_<id>`), to recognise it.' }),
  createdAt: Timestamp('When the key was issued.'),
  revokedAt: Type.Union([Timestamp('When the key was revoked.'), Type.Null()]),
});
export type ApiKeyView = Static<typeof ApiKeyViewSchema>;

/** Returned once, when the key is issued: the only answer that carries the key. */
export const CreatedApiKeyViewSchema = Type.Composite([
  ApiKeyViewSchema,
  Type.Object({ key: Type.String({ description: 'The API key; send it as `Authorization: Bearer <key>`.' }) }),
]);
export type CreatedApiKeyView = Static<typeof CreatedApiKeyViewSchema>;

export const ApiKeyListViewSchema = Type.Object({ items: Type.Array(ApiKeyViewSchema) });
export type ApiKeyListView = Static<typeof ApiKeyListViewSchema>;
