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
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toEqual([
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

  it('answers a bad line in place and exits 1; a bad workflows file or command exits 2 with the reason', () => {
    const messages = file('bad.jsonl', '{"id": 1, "text": "cancel"}\nnot json\n{"id": 3}\n');
    const result = run('match', '--workflows', workflows, '--messages', messages);
    expect(result.status).toBe(1);
    expect(
      result.stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => JSON.parse(line)),
    ).toEqual([
      { line: 2, error: expect.stringMatching(/^not valid JSON/) },
      { line: 3, error: '/text is required' },
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
});
