import { Type } from '@sinclair/typebox';
import { StringEnum } from './schema-helpers';
import { InvalidInputError, compileValidator, parseJson } from './validation';

const anything = compileValidator(
  Type.Object(
    { data: Type.Object({ text: Type.String(), tags: Type.Array(Type.String()) }) },
    {
      additionalProperties: true,
    },
  ),
);

function refusal(json: string): InvalidInputError {
  try {
    parseJson(json, anything);
  } catch (error) {
    if (error instanceof InvalidInputError) return error;
    throw error;
  }
  throw new Error(`accepted ${json}`);
}

describe('parseJson and U+0000', () => {
  it('refuses a NUL character in any string, naming the field', () => {
    const error = refusal('{"data": {"text": "ok", "tags": ["fine", "bad\\u0000tag"]}}');
    expect(error.code).toBe('nul_character');
    expect(error.issues).toEqual([{ field: '/data/tags/1', reason: 'must not contain the character U+0000 (NUL)' }]);
  });

  it('refuses a NUL character in a key, naming it with the JSON pointer escapes and the NUL written out', () => {
    const error = refusal('{"data": {"text": "ok", "tags": []}, "memo": {"a/b\\u0000": 1}}');
    expect(error.issues[0]!.field).toBe('/memo/a~1b\\u0000');
  });

  it('accepts the text "\\u0000" written with an escaped backslash, and everything else as before', () => {
    const parsed = parseJson('{"data": {"text": "a literal \\\\u0000 is fine", "tags": []}}', anything);
    expect(parsed.data.text).toBe('a literal \\u0000 is fine');
    expect(refusal('{"data": {"text": 1, "tags": []}}').code).toBe('schema_violation');
    expect(refusal('{"data":').code).toBe('malformed_json');
  });
});

describe('enum refusals', () => {
  const choice = (values: string[]) => compileValidator(Type.Object({ value: StringEnum(values) }));
  const reasonFor = (values: string[]) => {
    try {
      parseJson('{"value": "nope"}', choice(values));
    } catch (error) {
      if (error instanceof InvalidInputError) return error.issues[0]?.reason;
      throw error;
    }
    throw new Error('accepted');
  };

  it('lists a short list of allowed values in full, and names a long one by its size and first values', () => {
    expect(reasonFor(['reply', 'tag'])).toBe('must be one of "reply", "tag"');
    const regions = Array.from({ length: 245 }, (_, index) => `R${index}`);
    expect(reasonFor(regions)).toBe('must be one of 245 values such as "R0", "R1", "R2" (see the API reference)');
  });
});
