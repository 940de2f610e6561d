import { Type } from '@sinclair/typebox';
import { NamedValues, StringEnum } from './schema-helpers';
import { InvalidInputError, MAX_BYTES_KEYWORD, MAX_JSON_DEPTH, compileValidator, parseJson } from './validation';

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

describe('the uuid format', () => {
  const ids = compileValidator(Type.Array(Type.String({ format: 'uuid' })));

  it('takes the 8-4-4-4-12 hex form in either case', () => {
    expect(ids.check(['0b6b2d5e-3c8a-4f2e-9a57-8f1f8f9b0c11', '0B6B2D5E-3C8A-4F2E-9A57-8F1F8F9B0C11'])).toBe(true);
  });

  it('refuses the urn:uuid: form (PostgreSQL refuses it), naming the field', () => {
    expect(() => ids.parse(['urn:uuid:0b6b2d5e-3c8a-4f2e-9a57-8f1f8f9b0c11'])).toThrow(
      expect.objectContaining({ issues: [{ field: '/0', reason: 'must match format "uuid"' }] }),
    );
  });
});

describe('the date-time format', () => {
  const times = compileValidator(Type.Array(Type.String({ format: 'date-time' })));

  it('takes RFC 3339 times with an offset', () => {
    expect(times.check(['2026-11-24T10:00:00Z', '2026-11-24T10:00:00.123456+05:30', '2026-11-24t10:00:00z'])).toBe(
      true,
    );
  });

  it.each(['2024-12-31T23:59:60Z', '2026-11-24T10:00:00', '2026-02-29T00:00:00Z'])(
    'refuses %s (a leap second, no offset, no such day), naming the field',
    (time) => {
      expect(() => times.parse([time])).toThrow(
        expect.objectContaining({ issues: [{ field: '/0', reason: 'must match format "date-time"' }] }),
      );
    },
  );
});

describe('the x-maxBytes keyword', () => {
  const source = compileValidator(Type.Object({ source: Type.String({ maxLength: 8, [MAX_BYTES_KEYWORD]: 8 }) }));

  it('counts bytes in UTF-8, not characters, naming the field', () => {
    expect(source.check({ source: 'abcdefgh' })).toBe(true);
    expect(source.check({ source: '\u{20000}\u{20000}' })).toBe(true);
    expect(() => source.parse({ source: '\u{20000}\u{20000}a' })).toThrow(
      expect.objectContaining({ issues: [{ field: '/source', reason: 'must be at most 8 bytes in UTF-8' }] }),
    );
  });
});

describe('parseJson and nesting', () => {
  const nested = (levels: number) => `${'['.repeat(levels)}0${']'.repeat(levels)}`;
  const anyValue = compileValidator(Type.Unknown());

  it(`takes ${MAX_JSON_DEPTH} levels of objects and arrays`, () => {
    expect(() => parseJson(nested(MAX_JSON_DEPTH), anyValue)).not.toThrow();
  });

  it('refuses deeper nesting, naming where, without overflowing its own stack on very deep input', () => {
    for (const levels of [MAX_JSON_DEPTH + 1, 100_000]) {
      expect(() => parseJson(`{"data": {"text": "x", "tags": [], "memo": ${nested(levels)}}}`, anything)).toThrow(
        expect.objectContaining({
          code: 'too_deep',
          issues: [
            {
              field: `/data/memo${'/0'.repeat(MAX_JSON_DEPTH - 2)}`,
              reason: `must not nest more than ${MAX_JSON_DEPTH} levels of objects and arrays`,
            },
          ],
        }),
      );
    }
  });
});

describe('parseJson and unpaired surrogates', () => {
  it('reads an unpaired surrogate in a string or a key as U+FFFD (jsonb refuses it; a text cut by length can end with one)', () => {
    const parsed = parseJson(
      '{"data": {"text": "cut \\ud83d", "tags": ["\\udc00 x"]}, "memo": {"k\\uD83D": 1}}',
      anything,
    ) as { data: { text: string; tags: string[] }; memo: Record<string, number> };
    expect(parsed.data).toEqual({ text: 'cut \uFFFD', tags: ['\uFFFD x'] });
    expect(parsed.memo).toEqual({ 'k\uFFFD': 1 });
  });

  it('keeps surrogate pairs, escaped or not', () => {
    expect(parseJson('{"data": {"text": "\\ud83d\\ude00 and 😀", "tags": []}}', anything).data.text).toBe('😀 and 😀');
  });
});

describe('the uri format', () => {
  const url = compileValidator(Type.Object({ url: Type.String({ format: 'uri', pattern: '^https?://' }) }));

  it('takes http(s) URLs that can be sent to', () => {
    for (const valid of [
      'https://example.com/h',
      'http://127.0.0.1:8080/x?y=1',
      'https://[::1]:443/',
      'https://hooks.zapier.com/hooks/catch/1/a/',
    ]) {
      expect({ valid, accepted: url.check({ url: valid }) }).toEqual({ valid, accepted: true });
    }
  });

  it('refuses what no request can be sent to, and credentials in the URL, naming the field', () => {
    for (const invalid of [
      'http://',
      'https://',
      'https://:80/',
      'https://example.com:99999/',
      'https://exa%20mple.com/',
      'https://user:pass@example.com/',
    ]) {
      expect({ invalid, accepted: url.check({ url: invalid }) }).toEqual({ invalid, accepted: false });
    }
    expect(() => url.parse({ url: 'https://example.com:99999/' })).toThrow(
      expect.objectContaining({ issues: [{ field: '/url', reason: 'must match format "uri"' }] }),
    );
  });
});

describe('names as keys (NamedValues)', () => {
  const memory = compileValidator(Type.Object({ memory: NamedValues(Type.Unknown()) }));

  it('refuses an empty, an over-long and a reserved name, naming the key', () => {
    const issuesOf = (value: Record<string, unknown>) => {
      try {
        memory.parse({ memory: value });
      } catch (error) {
        return (error as InvalidInputError).issues;
      }
      throw new Error('accepted');
    };
    expect(issuesOf({ '': 1 })).toEqual([{ field: '/memory/', reason: 'name must NOT have fewer than 1 characters' }]);
    expect(issuesOf({ ['k'.repeat(129)]: 1 })).toEqual([
      { field: `/memory/${'k'.repeat(129)}`, reason: 'name must NOT have more than 128 characters' },
    ]);
    expect(issuesOf(JSON.parse('{"__proto__": {"vip": true}}') as Record<string, unknown>)).toEqual([
      { field: '/memory/__proto__', reason: 'is a reserved name' },
    ]);
    expect(memory.check({ memory: { vip: true, ['k'.repeat(128)]: 1 } })).toBe(true);
  });
});
