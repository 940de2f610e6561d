import { InvalidInputError } from '@app/contracts';
import { RefuseNulCharactersPipe } from './nul-characters.pipe';

describe('RefuseNulCharactersPipe', () => {
  const pipe = new RefuseNulCharactersPipe();
  const issuesOf = (action: () => unknown) => {
    try {
      action();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidInputError);
      return (error as InvalidInputError).issues;
    }
    throw new Error('nothing was refused');
  };

  it('names the path or query parameter that holds a U+0000', () => {
    expect(issuesOf(() => pipe.transform('a\u0000b', { type: 'param', data: 'id' }))).toEqual([
      { field: 'path:id', reason: 'must not contain the character U+0000 (NUL)' },
    ]);
    expect(issuesOf(() => pipe.transform({ limit: '5', contactId: 'x\u0000' }, { type: 'query' }))).toEqual([
      { field: 'query:contactId', reason: 'must not contain the character U+0000 (NUL)' },
    ]);
  });

  it('passes everything else through, and leaves bodies to their parsers', () => {
    expect(pipe.transform('abc', { type: 'param', data: 'id' })).toBe('abc');
    expect(pipe.transform({ from: '2026-12-06T00:00:00Z' }, { type: 'query' })).toEqual({
      from: '2026-12-06T00:00:00Z',
    });
    const body = Buffer.from('{"a":"\\u0000"}');
    expect(pipe.transform(body, { type: 'body' })).toBe(body);
  });
});
