import Ajv, { str, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { fullFormats } from 'ajv-formats/dist/formats';
import type { Static, TSchema } from '@sinclair/typebox';

/** One problem found in an input: the JSON pointer of the field and why it is wrong. */
export interface ValidationIssue {
  field: string;
  reason: string;
}

/**
 * Input that can never become valid by retrying it (a poison message, a bad HTTP body).
 * Edges map it: HTTP → 400 with the issues, Kafka consumers → the dead-letter topic.
 */
export class InvalidInputError extends Error {
  constructor(
    /** Stable, machine-readable reason such as `malformed_json` or `schema_violation`. */
    readonly code: string,
    message: string,
    readonly issues: ValidationIssue[] = [],
  ) {
    super(message);
    this.name = 'InvalidInputError';
  }
}

// One Ajv instance for every contract: schemas compile once and share formats.
// Union types: a payload template is one schema over every JSON type (see PayloadTemplateSchema).
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, discriminator: true });
/** Allowed values an error lists in full; a longer list is named by its size and first values. */
const MAX_LISTED_VALUES = 20;
addFormats(ajv);
/**
 * A UUID as ids are written here: 8-4-4-4-12 hex digits, either case. Replaces ajv-formats'
 * `uuid`, which also takes a `urn:uuid:` prefix that PostgreSQL's uuid type refuses (a 500
 * instead of a 400). Ids are issued in lowercase; compare them with `canonicalUuid`.
 */
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
ajv.addFormat('uuid', UUID_PATTERN);

/**
 * `x-maxBytes`: the most bytes a string may take in UTF-8. `maxLength` counts characters, and a
 * character can take four bytes: where a value becomes part of a PostgreSQL index key (whose
 * entries must stay under ~2.7 kB), the bytes are what must be bounded.
 */
export const MAX_BYTES_KEYWORD = 'x-maxBytes';
ajv.addKeyword({
  keyword: MAX_BYTES_KEYWORD,
  type: 'string',
  schemaType: 'number',
  error: { message: ({ schemaCode }) => str`must be at most ${schemaCode} bytes in UTF-8` },
  validate: (limit: number, value: string) => Buffer.byteLength(value, 'utf8') <= limit,
});

/**
 * `x-templateVariables`: the first names of the `{{variables}}` a text may use (`["contact",
 * "memory"]` takes `{{contact.name}}` and `{{memory.plan}}`). One issue naming the variable that
 * is not one of them, or the `{{` left open, instead of a pattern's 150-character regex.
 */
export const TEMPLATE_VARIABLES_KEYWORD = 'x-templateVariables';
const checkTemplate: ((variables: readonly string[], text: string) => boolean) & {
  errors?: Partial<ErrorObject>[];
} = (variables, text) => {
  const problem = templateProblem(text, variables);
  checkTemplate.errors =
    problem === undefined ? [] : [{ keyword: TEMPLATE_VARIABLES_KEYWORD, message: problem, params: {} }];
  return problem === undefined;
};
ajv.addKeyword({
  keyword: TEMPLATE_VARIABLES_KEYWORD,
  type: 'string',
  schemaType: 'array',
  errors: true,
  validate: checkTemplate,
});

/** What is wrong with the `{{variables}}` of a template text, if anything. */
function templateProblem(text: string, variables: readonly string[]): string | undefined {
  let open = text.indexOf('{{');
  while (open !== -1) {
    const close = text.indexOf('}}', open + 2);
    if (close === -1) return 'has "{{" with no "}}" after it';
    const variable = text.slice(open + 2, close).trim();
    const [first] = variable.split('.');
    if (!variables.includes(first!)) {
      return `uses {{${variable}}}, which is no variable here: they are ${variables.map((name) => `${name}.*`).join(', ')}`;
    }
    if (!/^[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*$/.test(variable)) {
      return `uses {{${variable}}}: a variable's names, between dots, are letters, digits and _`;
    }
    open = text.indexOf('{{', close + 2);
  }
  return undefined;
}

interface StringFormat {
  validate: (value: string) => boolean;
  compare: (a: string, b: string) => number | undefined;
}
const rfc3339DateTime = fullFormats['date-time'] as StringFormat;
const rfc3339Date = fullFormats.date as StringFormat;

/**
 * An RFC 3339 date-time (offset required) that is also a real instant: ajv-formats takes a leap
 * second (`23:59:60Z`), which JavaScript cannot represent (`new Date` gives Invalid Date) and
 * which would fail far from the edge that accepted it. Replaces the `date-time` format.
 */
export function isDateTime(value: string): boolean {
  return rfc3339DateTime.validate(value) && !Number.isNaN(Date.parse(value));
}
ajv.addFormat('date-time', { type: 'string', validate: isDateTime, compare: rfc3339DateTime.compare });

const rfc3986Uri = fullFormats.uri as (value: string) => boolean;

/**
 * An RFC 3986 URI that, when it is an http(s) URL, Node's URL parser takes, names a host and
 * carries no credentials. ajv-formats takes `http://`, `https://:80/` or a port over 65535, which
 * no request can be sent to (retried for days as network errors), and credentials in a URL are not
 * sent by the HTTP client (they belong in a header). Replaces the `uri` format.
 */
function isUri(value: string): boolean {
  if (!rfc3986Uri(value)) return false;
  if (!/^https?:/i.test(value)) return true;
  try {
    const url = new URL(value);
    return url.hostname !== '' && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}
ajv.addFormat('uri', { type: 'string', validate: isUri });

/** An RFC 3339 full-date (`2026-11-24`) that exists in the calendar. */
export function isFullDate(value: string): boolean {
  return rfc3339Date.validate(value);
}

export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}

/** The form ids are issued and stored in (lowercase), for lookups that compare text. */
export function canonicalUuid(value: string): string {
  return value.toLowerCase();
}

/**
 * Makes a schema with an `$id` available to every contract by reference (`Type.Ref`). A recursive
 * schema must be registered so: embedded copies of it would each claim the same `$id`.
 */
export function registerSchema(schema: TSchema & { $id: string }): void {
  if (!ajv.getSchema(schema.$id)) ajv.addSchema(schema);
  if (!tolerantAjv.getSchema(schema.$id)) tolerantAjv.addSchema(withoutInputRules(schema) as TSchema);
  registered.set(schema.$id, schema);
}

/**
 * Records a service keeps and reads back (workflow definitions on their compacted topic) were
 * validated when they came in, possibly by an earlier release with looser rules: rules for new
 * input — attribute and template-field names (`propertyNames`), how many attributes one action
 * sets (`maxProperties`), template variables, the URL shape Node can send to — must not make
 * a stored workflow unreadable (every view would drop it: it would stop firing while the API
 * still shows it enabled). The tolerant Ajv checks such records without them; the shape of the
 * record is still checked.
 */
const tolerantAjv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true, discriminator: true });
addFormats(tolerantAjv);
tolerantAjv.addFormat('uuid', UUID_PATTERN);
tolerantAjv.addFormat('date-time', { type: 'string', validate: isDateTime, compare: rfc3339DateTime.compare });
tolerantAjv.addKeyword({ keyword: MAX_BYTES_KEYWORD, type: 'string', schemaType: 'number', validate: () => true });
tolerantAjv.addKeyword({
  keyword: TEMPLATE_VARIABLES_KEYWORD,
  type: 'string',
  schemaType: 'array',
  validate: () => true,
});

const INPUT_RULES = new Set(['propertyNames', 'maxProperties']);

function withoutInputRules(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutInputRules);
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([keyword]) => !INPUT_RULES.has(keyword))
      .map(([keyword, value]) => [keyword, withoutInputRules(value)]),
  );
}

/** A validator for records written and read back by the services themselves (see tolerantAjv). */
export function compileTolerantValidator<S extends TSchema>(schema: S): Validator<Static<S>> {
  return validatorOf(schema, tolerantAjv.compile(withoutInputRules(schema) as TSchema));
}

const registered = new Map<string, TSchema>();

/** The schemas registered by `$id`, for documents (OpenAPI) that must define what `Type.Ref` points to. */
export function registeredSchemas(): ReadonlyMap<string, TSchema> {
  return registered;
}

/** A compiled contract: `parse` narrows unknown input to the schema's static type or throws. */
export interface Validator<T> {
  readonly schema: TSchema;
  parse(value: unknown): T;
  check(value: unknown): value is T;
}

export function compileValidator<S extends TSchema>(schema: S): Validator<Static<S>> {
  return validatorOf(schema, ajv.compile(schema));
}

function validatorOf<S extends TSchema>(schema: S, validate: ValidateFunction): Validator<Static<S>> {
  return {
    schema,
    check: (value: unknown): value is Static<S> => validate(value) === true,
    parse(value: unknown): Static<S> {
      if (validate(value)) return value as Static<S>;
      const issues = toIssues(validate.errors ?? []);
      throw new InvalidInputError('schema_violation', describeIssues(issues), issues);
    },
  };
}

/**
 * Deeper JSON is refused (`too_deep`): no contract nests nearly so deep, and a deeper value would
 * overflow the stack of recursive code further on (JSON.stringify of a state record, Ajv,
 * templates), failing there, for ever, instead of being refused where it came in.
 */
export const MAX_JSON_DEPTH = 64;

/** A surrogate escaped (`\ud83d`): what JSON text needs to carry an unpaired one. */
const ESCAPED_SURROGATE = /\\u[dD][89a-fA-F]/;
/** UTF-16 surrogates that are not half of a pair (with the u flag, a pair is one code point). */
const LONE_SURROGATES = /\p{Cs}/gu;

/**
 * Parses JSON bytes and validates them; malformed JSON, nesting deeper than MAX_JSON_DEPTH, a
 * U+0000 character in any string and schema violations are all InvalidInputError.
 */
export function parseJson<T>(bytes: Buffer | string, validator: Validator<T>): T {
  const text = typeof bytes === 'string' ? bytes : bytes.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError('malformed_json', `not valid JSON: ${(error as Error).message}`);
  }
  // JSON can only carry U+0000 and unpaired surrogates escaped; most inputs skip looking for them.
  refuseUnsafeValues(value, (pointer) => pointer, text.includes('\\u0000'));
  return validator.parse(ESCAPED_SURROGATE.test(text) ? wellFormed(value) : value);
}

/**
 * The value with every unpaired UTF-16 surrogate (`\ud800` alone: half of an emoji cut in two,
 * say) in its strings and keys replaced by U+FFFD, as a UTF-8 encoder does. It is no character,
 * PostgreSQL's jsonb refuses it (a 500, or a batch that never stores), and a text cut by length
 * anywhere, ours included, can end with one: so it is mended where JSON is read, not refused.
 */
function wellFormed(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(LONE_SURROGATES, '\uFFFD');
  if (Array.isArray(value)) return value.map(wellFormed);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key.replace(LONE_SURROGATES, '\uFFFD'), wellFormed(item)]),
  );
}

/**
 * PostgreSQL's text and jsonb refuse U+0000: a record carrying one would fail every write of the
 * batch it is in, again and again, and a query naming one fails. No input has a use for it, so it
 * is refused where input is read, naming the field: `fieldName` turns the JSON pointer of the
 * string (or key) that holds one into the issue's field (a query parameter's name, say).
 */
export function refuseNulCharacters(value: unknown, fieldName: (pointer: string) => string): void {
  refuseUnsafeValues(value, fieldName, true);
}

function refuseUnsafeValues(value: unknown, fieldName: (pointer: string) => string, lookForNul: boolean): void {
  const found = firstUnsafeValue(value, lookForNul);
  if (found === undefined) return;
  const pointer = pointerOf(found.step);
  const issue = { field: fieldName(pointer === '' ? '/' : pointer), reason: found.reason };
  throw new InvalidInputError(found.code, describeIssues([issue]), [issue]);
}

/** A step of the path to a value, linked to its parent's: a pointer is spelt out only for the value refused. */
interface PathStep {
  key: string | number;
  up: PathStep | null;
}

/**
 * The first value (in the order of Object.keys) nested deeper than MAX_JSON_DEPTH, or holding
 * U+0000 in a string or key when `lookForNul`. A loop, not a recursion: the values it must find
 * would overflow a recursive walk's stack. It runs on every record read, so it builds no pointer
 * on the way (~1 µs for a 560-byte event).
 */
function firstUnsafeValue(
  root: unknown,
  lookForNul: boolean,
): { step: PathStep | null; code: string; reason: string } | undefined {
  const values: unknown[] = [root];
  const depths: number[] = [0];
  const steps: (PathStep | null)[] = [null];
  while (values.length > 0) {
    const value = values.pop();
    const depth = depths.pop()!;
    const step = steps.pop()!;
    const nulInKey = typeof step?.key === 'string' && step.key.includes('\u0000');
    if (lookForNul && (nulInKey || (typeof value === 'string' && value.includes('\u0000')))) {
      return { step, code: 'nul_character', reason: 'must not contain the character U+0000 (NUL)' };
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth === MAX_JSON_DEPTH) {
      return {
        step,
        code: 'too_deep',
        reason: `must not nest more than ${MAX_JSON_DEPTH} levels of objects and arrays`,
      };
    }
    // Pushed last first, so that they are looked at in order.
    const keys: (string | number)[] = Array.isArray(value) ? value.map((_, index) => index) : Object.keys(value);
    for (let index = keys.length - 1; index >= 0; index -= 1) {
      const key = keys[index]!;
      values.push((value as Record<string | number, unknown>)[key]);
      depths.push(depth + 1);
      steps.push({ key, up: step });
    }
  }
  return undefined;
}

/** The JSON pointer of a path, with a NUL written out: the issue must not carry it either. */
function pointerOf(step: PathStep | null): string {
  const keys: string[] = [];
  for (let at = step; at !== null; at = at.up) {
    keys.push(String(at.key).replaceAll('~', '~0').replaceAll('/', '~1').replaceAll('\u0000', '\\u0000'));
  }
  return keys
    .reverse()
    .map((key) => `/${key}`)
    .join('');
}

export function describeIssues(issues: ValidationIssue[]): string {
  return issues.map((issue) => `${issue.field} ${issue.reason}`).join('; ');
}

function toIssues(errors: ErrorObject[]): ValidationIssue[] {
  const issues = errors
    // A tagged union also reports its failing oneOf and discriminator; the tag's enum and the
    // matching branch's errors say more.
    // A key refused by propertyNames is reported as such, and again as "property name must be valid".
    .filter((error) => !['oneOf', 'discriminator', 'propertyNames'].includes(error.keyword))
    .map((error) => ({ field: fieldOf(error), reason: reasonOf(error) }));
  const unique = new Map(issues.map((issue) => [`${issue.field} ${issue.reason}`, issue]));
  return [...unique.values()];
}

function fieldOf(error: ErrorObject): string {
  const base = error.instancePath === '' ? '' : error.instancePath;
  if (error.keyword === 'required') return `${base}/${String(error.params.missingProperty)}`;
  if (error.keyword === 'additionalProperties') return `${base}/${String(error.params.additionalProperty)}`;
  if (error.propertyName !== undefined) return `${base}/${error.propertyName}`;
  return base === '' ? '/' : base;
}

function reasonOf(error: ErrorObject): string {
  // The key itself is refused (propertyNames): `__proto__` is the one name refused with `not`.
  if (error.propertyName !== undefined) {
    return error.keyword === 'not' ? 'is a reserved name' : `name ${error.message ?? 'is invalid'}`;
  }
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not allowed';
    case 'enum': {
      // A long list (e.g. phone region codes) is named by a few of its values, not all of them.
      const allowed = (error.params.allowedValues as unknown[]).map((value) => JSON.stringify(value));
      return allowed.length <= MAX_LISTED_VALUES
        ? `must be one of ${allowed.join(', ')}`
        : `must be one of ${allowed.length} values such as ${allowed.slice(0, 3).join(', ')} (see the API reference)`;
    }
    case 'const':
      return `must be ${JSON.stringify(error.params.allowedValue)}`;
    default:
      return error.message ?? 'is invalid';
  }
}
