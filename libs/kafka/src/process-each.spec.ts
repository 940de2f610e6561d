import { DeadLetterHeaders } from './dead-letter';
import { writeOrDeadLetter } from './process-each';
import type { ConsumedMessage } from './records';

class Refused extends Error {}

function message(offset: number): ConsumedMessage {
  return { topic: 't', partition: 0, offset: String(offset), key: null, value: null, headers: {}, timestamp: 0 };
}

/** A store that refuses any write holding a value starting with "bad", and records what it kept. */
function store() {
  const kept: string[] = [];
  const calls: string[][] = [];
  const write = async (values: string[]) => {
    calls.push(values);
    if (values.some((value) => value.startsWith('bad'))) throw new Refused(`refused ${values.join(',')}`);
    kept.push(...values);
  };
  return { kept, calls, write };
}

describe('writeOrDeadLetter', () => {
  const items = (values: string[]) => values.map((value, index) => ({ value, message: message(index) }));
  const options = { service: 'test', isRefusal: (error: unknown) => error instanceof Refused };

  it('writes a batch in one call when the store takes it', async () => {
    const { kept, calls, write } = store();
    expect(await writeOrDeadLetter(items(['a', 'b']), write, options)).toEqual([]);
    expect(calls).toEqual([['a', 'b']]);
    expect(kept).toEqual(['a', 'b']);
  });

  it('after a refusal writes one by one, in order, and dead-letters each refused value', async () => {
    const { kept, write } = store();
    const deadLetters = await writeOrDeadLetter(items(['a', 'bad1', 'b', 'bad2']), write, options);
    expect(kept).toEqual(['a', 'b']);
    expect(deadLetters.map((record) => record.headers?.[DeadLetterHeaders.sourceOffset])).toEqual(['1', '3']);
    expect(deadLetters[0]!.headers).toMatchObject({
      [DeadLetterHeaders.reasonCode]: 'unstorable',
      [DeadLetterHeaders.reason]: 'the store refused it: refused bad1',
      [DeadLetterHeaders.service]: 'test',
    });
  });

  it('lets any other error through, so that the batch is retried', async () => {
    const failing = async () => {
      throw new Error('connection lost');
    };
    await expect(writeOrDeadLetter(items(['a']), failing, options)).rejects.toThrow('connection lost');
  });
});
