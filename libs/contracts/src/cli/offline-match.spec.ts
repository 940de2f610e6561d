import { InvalidInputError } from '../validation';
import {
  OfflineMatchUsageError,
  holdsOfflineMessage,
  parseMatchCommandLine,
  unreadFields,
  parseOfflineWorkflows,
} from './offline-match';

describe('parseMatchCommandLine', () => {
  it('reads the options, long or short, with their value apart, inline or attached', () => {
    expect(parseMatchCommandLine(['match', '--workflows', 'w.json', '-m', '-', '--model=off'])).toEqual({
      help: false,
      workflows: 'w.json',
      messages: '-',
      model: 'off',
      explain: false,
    });
    expect(parseMatchCommandLine(['-ww.json', 'match', '--messages=--odd.jsonl'])).toEqual({
      help: false,
      workflows: 'w.json',
      messages: '--odd.jsonl',
      model: undefined,
      explain: false,
    });
    expect(parseMatchCommandLine(['match', '-w', 'w.json', '-m', 'm.jsonl', '--explain'])).toMatchObject({
      explain: true,
    });
  });

  it('asks for help with --help or -h, whatever else is missing', () => {
    expect(parseMatchCommandLine(['--help'])).toEqual({ help: true });
    expect(parseMatchCommandLine(['match', '-h'])).toEqual({ help: true });
  });

  // The first five are those node's strict parseArgs refused with a TypeError (exit code 1).
  it.each([
    [['match', '--frob'], 'unknown option --frob'],
    [['match', '-x', '--workflows', 'w.json'], 'unknown option -x'],
    [['match', '--toString'], 'unknown option --toString'],
    [['match', '--messages', 'm.jsonl', '--workflows'], '--workflows needs a value'],
    [['match', '--workflows=', '--messages', 'm.jsonl'], '--workflows needs a value'],
    [
      ['match', '--workflows', '--messages', 'm.jsonl'],
      '--workflows needs a value, not --messages (write --workflows=--messages if that is it)',
    ],
    [
      ['match', '-w', '-x.json', '-m', 'm.jsonl'],
      '-w needs a value, not -x.json (write --workflows=-x.json if that is it)',
    ],
    [['--help=yes'], '--help takes no value'],
    [['match', '-w', 'w.json', '-m', 'm.jsonl', '--explain=1'], '--explain takes no value'],
    [['--workflows', 'w.json', '--messages', 'm.jsonl'], 'missing command "match"'],
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['match', 'extra', '-w', 'w.json', '-m', 'm.jsonl'], 'unexpected argument "extra"'],
    [['match', '--messages', 'm.jsonl'], '--workflows is required'],
    [['match', '--workflows', 'w.json'], '--messages is required'],
  ])('refuses %j with a one-line reason: %s', (args, reason) => {
    // The class matters: it is what makes the CLI exit 2 rather than 1.
    expect(() => parseMatchCommandLine(args)).toThrow(OfflineMatchUsageError);
    expect(() => parseMatchCommandLine(args)).toThrow(new OfflineMatchUsageError(reason));
  });
});

describe('parseOfflineWorkflows', () => {
  const cancel = { id: 'cancel', trigger: { type: 'intent', phrases: ['I want to cancel'] } };

  it('reads a bare array of workflows', () => {
    expect(parseOfflineWorkflows(JSON.stringify([cancel]))).toEqual({ workflows: [cancel], morePages: false });
  });

  it('reads the answer of GET /v1/workflows as it is: its items, other fields ignored', () => {
    const page = { items: [{ ...cancel, tenantId: 't1', version: 3, firing: { mode: 'every_time' } }] };
    expect(parseOfflineWorkflows(JSON.stringify(page))).toEqual({ workflows: page.items, morePages: false });
    // One page of several: said, so that the CLI can warn that later pages' workflows are missing.
    expect(parseOfflineWorkflows(JSON.stringify({ ...page, nextCursor: 'abc' })).morePages).toBe(true);
  });

  it.each([
    [[cancel, { trigger: { type: 'intent', phrases: [] } }], '/1/trigger/phrases must NOT have fewer than 1 items'],
    [
      { items: [cancel, { trigger: { type: 'intent', phrases: [] } }] },
      '/items/1/trigger/phrases must NOT have fewer than 1 items',
    ],
    [{ workflows: [cancel] }, '/items is required'],
    [{ items: cancel }, '/items must be array'],
    ['cancel', '/ must be array'],
  ])('names the field of an invalid file %j', (file, message) => {
    expect(() => parseOfflineWorkflows(JSON.stringify(file))).toThrow(
      new InvalidInputError('schema_violation', message),
    );
  });

  it('refuses a file that is not JSON', () => {
    expect(() => parseOfflineWorkflows('[{')).toThrow(/^not valid JSON/);
  });
});

describe('holdsOfflineMessage', () => {
  it('skips blank and whitespace-only lines', () => {
    expect(['', '   ', '\t', '\r', '\u00a0'].map(holdsOfflineMessage)).toEqual([false, false, false, false, false]);
    expect(holdsOfflineMessage('{"id": 1, "text": "hi"}')).toBe(true);
    expect(holdsOfflineMessage('not json')).toBe(true);
  });
});

describe('unreadFields', () => {
  it('names the fields of a message line the CLI does not read', () => {
    expect(unreadFields({ id: 1, text: 'hi', memroy: { vip: true }, role: 'contact', label: 'x' }, 'message')).toEqual([
      'memroy',
      'label',
    ]);
  });

  it("reads a workflow's own fields and those of the API's view, and names the others", () => {
    expect(
      unreadFields({ id: 'w', trigger: {}, version: 3, createdAt: '', updatedAt: '', stauts: 'disabled' }, 'workflow'),
    ).toEqual(['stauts']);
  });
});
