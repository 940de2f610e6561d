import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findRepoRoot } from '@app/infra';

/** The offline `match` CLI is a public contract (docs/cli.md): run the compiled tool as users do. */
describe('cli match', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aw-cli-'));
  const cli = path.join(findRepoRoot(), 'dist', 'tools', 'cli.js');
  const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  const file = (name: string, content: string) => {
    const target = path.join(dir, name);
    writeFileSync(target, content);
    return target;
  };

  const workflows = file(
    'workflows.json',
    JSON.stringify([
      // The minimal form of the contract: defaults for everything left out.
      {
        id: 'cancel',
        name: 'Cancel',
        trigger: { type: 'intent', phrases: ['I want to cancel', 'close my account'] },
        action: { type: 'webhook', url: 'https://example.com/h' },
      },
      {
        trigger: {
          type: 'intent',
          phrases: ['I want a refund'],
          conditions: { op: 'equals', attribute: 'vip', value: true },
        },
      },
      { id: 'off', status: 'disabled', trigger: { type: 'intent', phrases: ['I want to cancel'] } },
    ]),
  );

  it('prints one line per message: the best workflow, all that fired, and why', () => {
    const messages = file(
      'messages.jsonl',
      [
        { id: 'm1', text: 'Hi, I would like to cancel please' },
        { id: 'm2', text: 'I want a refund', memory: { vip: true } },
        { id: 'm3', text: 'I want a refund', memory: { vip: false } },
        { id: 4, text: 'What are your opening hours?' },
      ]
        .map((line) => JSON.stringify(line))
        .join('\n'),
    );
    const result = run('match', '--workflows', workflows, '--messages', messages);
    expect(result.status).toBe(0);
    expect(jsonLines(result.stdout)).toEqual([
      {
        id: 'm1',
        best: 'cancel',
        fired: ['cancel'],
        reasons: { cancel: { type: 'intent', phrase: 'I want to cancel', score: 1, threshold: 0.8 } },
      },
      {
        id: 'm2',
        best: 'workflow-2',
        fired: ['workflow-2'],
        reasons: { 'workflow-2': expect.objectContaining({ score: 1 }) },
      },
      { id: 'm3', best: null, fired: [], reasons: {} },
      { id: 4, best: null, fired: [], reasons: {} },
    ]);
    expect(result.stderr).toContain('3 workflow(s) loaded');
  });

  it('judges each message as the only one of its conversation: an unanswered AI message is one failed answer', () => {
    const escalations = file(
      'escalations.json',
      JSON.stringify([
        { id: 'first-failure', trigger: { type: 'failed_answers', count: 1 } },
        { id: 'second-failure', trigger: { type: 'failed_answers', count: 2 } },
      ]),
    );
    const messages = file(
      'answers.jsonl',
      [
        { id: 'unanswered', role: 'ai', text: 'Sorry, I cannot help with that', ai: { answered: false } },
        { id: 'answered', role: 'ai', text: 'Your order ships today', ai: { answered: true } },
        { id: 'contact', text: 'that did not help', ai: { answered: false } },
      ]
        .map((line) => JSON.stringify(line))
        .join('\n'),
    );
    const result = run('match', '--workflows', escalations, '--messages', messages);
    expect(result.status).toBe(0);
    const lines = jsonLines(result.stdout) as { id: string; fired: string[] }[];
    expect(lines.map(({ id, fired }) => [id, fired])).toEqual([
      ['unanswered', ['first-failure']],
      ['answered', []],
      ['contact', []],
    ]);
  });

  it('with --explain, also says why every other workflow did not fire', () => {
    const messages = file(
      'explain.jsonl',
      [
        { id: 'denied', text: "I don't want to cancel, just change my plan" },
        { id: 'not-vip', text: 'I want a refund', memory: { vip: false } },
      ]
        .map((line) => JSON.stringify(line))
        .join('\n'),
    );
    const result = run('match', '--workflows', workflows, '--messages', messages, '--explain');
    expect(result.status).toBe(0);
    const [denied, notVip] = jsonLines(result.stdout);
    expect(denied).toMatchObject({
      best: null,
      not_fired: {
        cancel: { outcome: 'below_threshold', match: { score: 0, detail: 'the message denies "cancel"' } },
        off: { outcome: 'below_threshold' },
      },
    });
    expect(notVip).toMatchObject({
      best: null,
      not_fired: {
        'workflow-2': {
          outcome: 'conditions_false',
          match: { score: 1 },
          conditions: { result: false, comparisons: [{ attribute: 'vip', actual: false, result: false }] },
        },
        cancel: { outcome: 'below_threshold' },
      },
    });
  });

  it('answers a bad line in place and exits 1; a bad workflows file or command exits 2 with the reason', () => {
    // Line numbers are the file's own: the blank line 2 is no message, yet counts.
    const messages = file('bad.jsonl', '{"id": 1, "text": "cancel"}\n\nnot json\n{"id": 3}\n');
    const result = run('match', '--workflows', workflows, '--messages', messages);
    expect(result.status).toBe(1);
    expect(jsonLines(result.stdout).slice(1)).toEqual([
      { line: 3, error: expect.stringMatching(/^not valid JSON/) },
      { line: 4, error: '/text is required' },
    ]);

    const badWorkflows = file('bad-workflows.json', JSON.stringify([{ trigger: { type: 'intent', phrases: [] } }]));
    const refused = run('match', '--workflows', badWorkflows, '--messages', messages);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('/0/trigger/phrases must NOT have fewer than 1 items');

    expect(run('frobnicate').status).toBe(2);
    const help = run('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('usage: npm run --silent cli -- match');
  });

  it('reads an export of GET /v1/workflows as it is, and skips blank message lines', () => {
    const view = {
      id: '3f0c9a52-6b1e-4b8e-9d1a-2f5c7e8a9b10',
      tenantId: 'tenant-1',
      name: 'Cancel',
      version: 2,
      status: 'enabled',
      trigger: { type: 'intent', phrases: ['I want to cancel', 'close my account'] },
      action: { type: 'webhook', url: 'https://example.com/h' },
      firing: { mode: 'once_per_conversation' },
      createdAt: '2025-01-01T00:00:00.000Z',
      updatedAt: '2025-01-02T00:00:00.000Z',
    };
    const page = file('page.json', JSON.stringify({ items: [view] }));
    const messages = file(
      'blank-lines.jsonl',
      '\n{"id": "m1", "text": "I want to cancel"}\n   \n\n{"id": "m2", "text": "What are your opening hours?"}\n\n',
    );
    const result = run('match', '--workflows', page, '--messages', messages);
    expect(result.status).toBe(0);
    expect(jsonLines(result.stdout)).toEqual([
      { id: 'm1', best: view.id, fired: [view.id], reasons: { [view.id]: expect.objectContaining({ score: 1 }) } },
      { id: 'm2', best: null, fired: [], reasons: {} },
    ]);
    expect(result.stderr).toContain('1 workflow(s) loaded');
    expect(result.stderr).toContain('2 message(s) in');

    const badPage = file(
      'bad-page.json',
      JSON.stringify({ items: [view, { ...view, trigger: { type: 'intent', phrases: [] } }] }),
    );
    const refused = run('match', '--workflows', badPage, '--messages', messages);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('/items/1/trigger/phrases must NOT have fewer than 1 items');
  });

  it('takes files with a byte order mark; refuses a line nested too deep in place and goes on', () => {
    const withMark = file(
      'bom-workflows.json',
      `\uFEFF${JSON.stringify([{ id: 'cancel', trigger: { type: 'intent', phrases: ['I want to cancel'] } }])}`,
    );
    const deep = `{"id": 2, "text": "hi", "memory": {"a": ${'['.repeat(20_000)}0${']'.repeat(20_000)}}}`;
    const messages = file(
      'bom-messages.jsonl',
      `\uFEFF{"id": 1, "text": "I want to cancel"}\n${deep}\n{"id": 3, "text": "I want to cancel"}\n`,
    );
    const result = run('match', '--model', 'off', '--workflows', withMark, '--messages', messages);
    expect(result.status).toBe(1);
    expect(jsonLines(result.stdout)).toEqual([
      expect.objectContaining({ id: 1, best: 'cancel' }),
      { line: 2, error: expect.stringMatching(/^\/memory\/a(\/0)+ must not nest more than 64 levels/) },
      expect.objectContaining({ id: 3, best: 'cancel' }),
    ]);
  });

  it('refuses UTF-16 files (as Windows tools save them) with what to do: exit 2', () => {
    const utf16 = (name: string, text: string) => {
      const target = path.join(dir, name);
      writeFileSync(target, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
      return target;
    };
    const messages = file('utf8.jsonl', '{"id": 1, "text": "I want to cancel"}\n');
    const wideWorkflows = utf16('wide-workflows.json', JSON.stringify([{ trigger: { type: 'conversation_end' } }]));
    const refusedWorkflows = run('match', '--model', 'off', '--workflows', wideWorkflows, '--messages', messages);
    expect(refusedWorkflows.status).toBe(2);
    expect(refusedWorkflows.stderr).toContain(`cli: ${wideWorkflows} looks like UTF-16 text: save it as UTF-8\n`);
    const wideMessages = utf16('wide-messages.jsonl', '{"id": 1, "text": "I want to cancel"}\n');
    const refusedMessages = run('match', '--model', 'off', '--workflows', workflows, '--messages', wideMessages);
    expect(refusedMessages.status).toBe(2);
    expect(refusedMessages.stderr).toContain(`cli: ${wideMessages} looks like UTF-16 text: save it as UTF-8\n`);
    expect(refusedMessages.stdout).toBe('');
  });

  it('refuses workflows sharing an id, and a messages file it cannot read, before loading the model: exit 2', () => {
    const twice = file(
      'twice.json',
      JSON.stringify([
        { id: 'a', trigger: { type: 'intent', phrases: ['x'] } },
        { id: 'a', trigger: { type: 'intent', phrases: ['y'] } },
      ]),
    );
    const messages = file('any.jsonl', '{"id": 1, "text": "x"}\n');
    const duplicate = run('match', '--workflows', twice, '--messages', messages);
    expect(duplicate.status).toBe(2);
    expect(duplicate.stderr).toContain('workflow 2 has the id "a" of an earlier one');
    const missing = run('match', '--workflows', workflows, '--messages', path.join(dir, 'nowhere.jsonl'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/cli: cannot read .*nowhere\.jsonl: ENOENT.*\nrun with --help for usage\n/);
    expect(missing.stderr).not.toContain('intent model');
  });

  it('refuses an unknown option or one missing its value: exit 2, the reason on one line, then the hint', () => {
    const messages = file('one.jsonl', '{"id": 1, "text": "cancel"}\n');
    const unknown = run('match', '--frob', '--workflows', workflows, '--messages', messages);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('cli: unknown option --frob\nrun with --help for usage\n');
    expect(unknown.stdout).toBe('');

    const missingValue = run('match', '--messages', messages, '--workflows');
    expect(missingValue.status).toBe(2);
    expect(missingValue.stderr).toContain('cli: --workflows needs a value\nrun with --help for usage\n');
    expect(missingValue.stdout).toBe('');
  });
});

/** The JSON lines the CLI printed. */
function jsonLines(stdout: string): unknown[] {
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}
