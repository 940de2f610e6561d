import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';

/**
 * A union tagged by one property, emitted as `oneOf` + `discriminator` so that Ajv reports the
 * errors of the matching branch only (a plain `anyOf` would list every branch's complaints).
 */
export function TaggedUnion<T extends TObject[]>(
  tag: string,
  variants: [...T],
  options: { description?: string } = {},
) {
  const tags = variants.map((variant) => (variant.properties[tag] as { const?: unknown }).const);
  return Type.Unsafe<Static<T[number]>>({
    ...options,
    type: 'object',
    // Listing the tags here makes an unknown tag fail with "must be one of …" on the tag's own field.
    properties: { [tag]: { type: 'string', enum: tags } },
    required: [tag],
    discriminator: { propertyName: tag },
    oneOf: variants,
  });
}

/** A string from a fixed list, as a JSON Schema `enum` (one clear error instead of one per literal). */
export function StringEnum<T extends string[]>(
  values: [...T],
  options: { description?: string; default?: T[number] } = {},
) {
  return Type.Unsafe<T[number]>({ ...options, type: 'string', enum: values });
}

export const Id = (description: string) => Type.String({ minLength: 1, maxLength: 256, description });
export const Timestamp = (description: string) => Type.String({ format: 'date-time', description });
export const TenantId = Type.String({
  pattern: '^[A-Za-z0-9_-]{1,64}$',
  description: 'Tenant the record belongs to: 1-64 letters, digits, "_" or "-".',
});

export type { TSchema };

/**
 * An object keyed by names (contact attributes, template fields): each key 1-128 characters and
 * not `__proto__`. TypeBox's Record turns its key schema into a pattern alone, so a key's length
 * went unchecked (an empty or 5,000-character attribute was taken); and `__proto__`, set by plain
 * assignment where memory is merged, would vanish instead of being kept.
 */
export function NamedValues<V extends TSchema>(
  value: V,
  options: { description?: string; maxProperties?: number } = {},
) {
  return Type.Record(Type.String(), value, {
    ...options,
    propertyNames: { minLength: 1, maxLength: 128, not: { const: '__proto__' } },
  });
}
