import { isDateTime, isFullDate, type Condition } from '@app/contracts';

/** Contact memory: attribute name → value, as materialised from `contact.memory.updated` events. */
export type ContactMemory = Readonly<Record<string, unknown>>;

/** How one comparison came out, for previews that explain why a workflow did or did not fire. */
export interface ComparisonOutcome {
  /**
   * Where the comparison sits in the condition (a JSON pointer: `""` for a lone comparison,
   * `/of/1/of` for one under the second operand of an `all` under a `not`), so that a comparison
   * that came out false under a `not` can be read as what made the condition true.
   */
  pointer: string;
  op: Exclude<Condition['op'], 'all' | 'any' | 'not'>;
  attribute: string;
  expected?: unknown;
  actual: unknown;
  result: boolean;
}

export interface ConditionOutcome {
  result: boolean;
  /**
   * Every comparison of the condition, in order, with its place: `all` and `any` evaluate all their
   * operands (conditions are small), so a preview shows each one true or false, not only the first
   * that decided.
   */
  comparisons: ComparisonOutcome[];
}

/** Evaluates a (schema-valid) condition against contact memory. Missing attributes compare false. */
export function evaluateCondition(condition: Condition, memory: ContactMemory): ConditionOutcome {
  const comparisons: ComparisonOutcome[] = [];
  const result = evaluate(condition, memory, comparisons, '');
  return { result, comparisons };
}

function evaluate(condition: Condition, memory: ContactMemory, trail: ComparisonOutcome[], pointer: string): boolean {
  switch (condition.op) {
    case 'all':
      return operandResults(condition.of, memory, trail, pointer).every(Boolean);
    case 'any':
      return operandResults(condition.of, memory, trail, pointer).some(Boolean);
    case 'not':
      return !evaluate(condition.of, memory, trail, `${pointer}/of`);
    default: {
      const actual = attributeValue(memory, condition.attribute);
      const expected = 'value' in condition ? condition.value : undefined;
      const result = compare(condition, actual);
      trail.push({ pointer, op: condition.op, attribute: condition.attribute, expected, actual, result });
      return result;
    }
  }
}

function operandResults(
  operands: readonly Condition[],
  memory: ContactMemory,
  trail: ComparisonOutcome[],
  pointer: string,
): boolean[] {
  return operands.map((operand, index) => evaluate(operand, memory, trail, `${pointer}/of/${index}`));
}

type Comparison = Exclude<Condition, { op: 'all' | 'any' | 'not' }>;

function compare(condition: Comparison, actual: unknown): boolean {
  switch (condition.op) {
    case 'exists':
      return actual !== undefined && actual !== null;
    case 'equals':
      return actual === condition.value;
    case 'in':
      return (condition.value as unknown[]).includes(actual);
    case 'contains':
      if (typeof actual === 'string' && typeof condition.value === 'string') {
        return actual.toLowerCase().includes(condition.value.toLowerCase());
      }
      return Array.isArray(actual) && actual.includes(condition.value);
    case 'greaterThan':
      return typeof actual === 'number' && actual > condition.value;
    case 'lessThan':
      return typeof actual === 'number' && actual < condition.value;
    case 'before':
      return timeOf(actual) < Date.parse(condition.value);
    case 'after':
      return timeOf(actual) > Date.parse(condition.value);
  }
}

/** Dot paths reach into nested objects: "address.country"; an attribute named with the whole path comes first. */
function attributeValue(memory: ContactMemory, path: string): unknown {
  if (Object.hasOwn(memory, path)) return memory[path];
  let value: unknown = memory;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * A date attribute as epoch ms: RFC 3339 with an offset, or a date (midnight UTC). NaN (so every
 * comparison is false) for anything else: `Date.parse` would take "May 5" or "42" for a date,
 * and read a time without an offset in the server's time zone.
 */
function timeOf(value: unknown): number {
  return typeof value === 'string' && (isDateTime(value) || isFullDate(value)) ? Date.parse(value) : Number.NaN;
}
