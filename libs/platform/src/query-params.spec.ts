import { InvalidInputError } from '@app/contracts';
import { QueryParams } from './query-params';

describe('QueryParams', () => {
  it('reads valid parameters, with defaults for absent ones', () => {
    const params = new QueryParams({
      kind: 'signal',
      limit: '20',
      from: '2026-11-24T10:00:00Z',
      id: '0b6b2d5e-3c8a-4f2e-9a57-8f1f8f9b0c11',
    });
    expect(params.oneOf('kind', ['signal', 'intent'] as const)).toBe('signal');
    expect(params.integer('limit', { min: 1, max: 100, fallback: 10 })).toBe(20);
    expect(params.integer('absent', { min: 1, max: 100, fallback: 10 })).toBe(10);
    expect(params.time('from')).toEqual(new Date('2026-11-24T10:00:00Z'));
    expect(params.time('to', new Date(0))).toEqual(new Date(0));
    expect(params.uuid('id')).toBe('0b6b2d5e-3c8a-4f2e-9a57-8f1f8f9b0c11');
    expect(() => params.orThrow()).not.toThrow();
  });

  it.each([
    ['2026-11-24T10:00:00', 'no offset: it would be read in the server time zone'],
    ['2026-02-31T00:00:00Z', 'a day that does not exist'],
    ['2024-12-31T23:59:60Z', 'a leap second, which a Date cannot hold'],
    ['1700000000', 'epoch seconds'],
  ])('refuses the time %s (%s), naming the parameter', (value) => {
    const params = new QueryParams({ from: value });
    expect(params.time('from', new Date(0))).toEqual(new Date(0));
    expect(() => params.orThrow()).toThrow('query:from must be an RFC 3339 time with an offset');
  });

  it('reads a date as midnight UTC', () => {
    expect(new QueryParams({ from: '2026-11-24' }).time('from')).toEqual(new Date('2026-11-24T00:00:00Z'));
  });

  it('gives UUIDs in the lowercase form ids are stored in, and refuses the urn: form', () => {
    const params = new QueryParams({
      upper: '0B6B2D5E-3C8A-4F2E-9A57-8F1F8F9B0C11',
      urn: 'urn:uuid:0b6b2d5e-3c8a-4f2e-9a57-8f1f8f9b0c11',
    });
    expect(params.uuid('upper')).toBe('0b6b2d5e-3c8a-4f2e-9a57-8f1f8f9b0c11');
    expect(params.uuid('urn')).toBeUndefined();
    expect(() => params.orThrow()).toThrow('query:urn must be a UUID');
  });

  it('names every bad parameter in one InvalidInputError', () => {
    const params = new QueryParams({
      kind: 'nope',
      limit: '1.5',
      from: '1700000000',
      to: '0481-05-05T23:04:58+16:53',
      id: 'x',
      twice: ['a', 'b'],
      empty: '',
    });
    params.oneOf('kind', ['signal'] as const);
    params.integer('limit', { min: 1, max: 100, fallback: 10 });
    expect(params.time('from', new Date(0))).toEqual(new Date(0));
    expect(params.time('to', new Date(0))).toEqual(new Date(0));
    params.uuid('id');
    params.text('twice');
    params.text('required', { required: true });
    params.uuid('empty');
    let error: unknown;
    try {
      params.orThrow();
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).issues.map((issue) => issue.field)).toEqual([
      'query:kind',
      'query:limit',
      'query:from',
      'query:to',
      'query:id',
      'query:twice',
      'query:required',
      'query:empty',
    ]);
  });
});
