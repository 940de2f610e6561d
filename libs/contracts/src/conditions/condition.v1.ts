import { Type, type TSchema } from '@sinclair/typebox';
import { TaggedUnion } from '../schema-helpers';
import { registerSchema } from '../validation';

/**
 * Any name contact memory may hold ("plan-tier", "first name", "città"): dots reach into nested
 * values, so a name has no empty part (no leading, trailing or doubled dot) and no control character.
 */
const Attribute = Type.String({
  pattern: '^[^.\\u0000-\\u001f]+(\\.[^.\\u0000-\\u001f]+)*$',
  maxLength: 256,
  description:
    'Contact memory attribute, dot-separated for nested values: "plan", "plan-tier", "address.country" (a name with dots of its own is found by its whole name first).',
});
const Scalar = Type.Union([Type.String({ maxLength: 1000 }), Type.Number(), Type.Boolean()]);

const leaf = <P extends Record<string, TSchema>>(op: ComparisonOp, properties: P, description: string) =>
  Type.Object(
    { op: Type.Literal(op), attribute: Attribute, ...properties },
    { additionalProperties: false, description },
  );

type Scalar = string | number | boolean;

/**
 * TypeBox cannot derive the type of a recursive tagged union, so this type mirrors the schema
 * below; the schema's spec checks that both accept the same documents.
 */
export type Condition =
  | { op: 'all' | 'any'; of: Condition[] }
  | { op: 'not'; of: Condition }
  | { op: 'equals' | 'contains'; attribute: string; value: Scalar }
  | { op: 'in'; attribute: string; value: Scalar[] }
  | { op: 'exists'; attribute: string }
  | { op: 'greaterThan' | 'lessThan'; attribute: string; value: number }
  | { op: 'before' | 'after'; attribute: string; value: string };
export type ConditionOp = Condition['op'];
type ComparisonOp = Exclude<ConditionOp, 'all' | 'any' | 'not'>;

/**
 * The condition language over contact memory, as JSON. Every node has an `op`:
 * combinators `all`, `any` (lists) and `not`; comparisons name an `attribute` and, but for
 * `exists`, a `value`. Examples: `{"op": "equals", "attribute": "vip", "value": true}`,
 * `{"op": "all", "of": [{"op": "in", "attribute": "plan", "value": ["enterprise"]},
 * {"op": "greaterThan", "attribute": "previousIssues", "value": 0}]}`.
 */
export const ConditionSchema = Type.Unsafe<Condition>(
  Type.Recursive(
    (Self) =>
      TaggedUnion('op', [
        Type.Object(
          { op: Type.Literal('all'), of: Type.Array(Self, { minItems: 1, maxItems: 50 }) },
          { additionalProperties: false, description: 'True when every condition is.' },
        ),
        Type.Object(
          { op: Type.Literal('any'), of: Type.Array(Self, { minItems: 1, maxItems: 50 }) },
          { additionalProperties: false, description: 'True when at least one condition is.' },
        ),
        Type.Object(
          { op: Type.Literal('not'), of: Self },
          { additionalProperties: false, description: 'True when the condition is false.' },
        ),
        leaf('equals', { value: Scalar }, 'The attribute equals the value.'),
        leaf(
          'in',
          { value: Type.Array(Scalar, { minItems: 1, maxItems: 200 }) },
          'The attribute is one of the values.',
        ),
        leaf('contains', { value: Scalar }, 'A text attribute contains the text, or a list attribute the value.'),
        leaf('exists', {}, 'The attribute is set (not null).'),
        leaf('greaterThan', { value: Type.Number() }, 'A number attribute is greater than the value.'),
        leaf('lessThan', { value: Type.Number() }, 'A number attribute is less than the value.'),
        leaf('before', { value: Type.String({ format: 'date-time' }) }, 'A date attribute is before the time.'),
        leaf('after', { value: Type.String({ format: 'date-time' }) }, 'A date attribute is after the time.'),
      ]),
    { $id: 'Condition' },
  ),
);
registerSchema(ConditionSchema as typeof ConditionSchema & { $id: string });

/** Where a contract takes a condition: a reference to the one registered schema. */
export const ConditionRef = Type.Unsafe<Condition>(Type.Ref('Condition'));
