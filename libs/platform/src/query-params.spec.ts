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
