import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { findRepoRoot } from '@app/infra';
import { FakeChatCompletions } from '@app/testing';

const run = promisify(execFile);

interface Row {
  text: string;
  category: string;
}

interface Figures {
  accuracy: number;
  falseTriggerRate: number;
}

interface Result extends Figures {
  cascade: { askedRate: number; perfectDecider: Figures; provider: Figures & { failures: number } };
}

/**
 * `eval:intents` with a decision provider measures the cascade as trigger-matcher runs it: a
 * local fake chat-completions endpoint stands in for the model, on a small slice of Banking77 with
 * intents that are easily confused.
 */
describe('eval:intents with a decision provider', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aw-eval-'));
  const banking77 = path.join(findRepoRoot(), '..', 'shared', 'data', 'banking77');
  const intents = [
    'card_arrival',
    'card_delivery_estimate',
    'exchange_rate',
    'exchange_charge',
    'lost_or_stolen_card',
    'cancel_transfer',
  ];
  const slice = (file: string, perIntent: number) => {
    const rows = parse(readFileSync(path.join(banking77, file), 'utf8'), { columns: true }) as Row[];
    const kept = intents.flatMap((intent) => rows.filter((row) => row.category === intent).slice(0, perIntent));
    writeFileSync(path.join(dir, file), stringify(kept, { header: true, columns: ['text', 'category'] }));
    return kept;
  };
  slice('train.csv', 10);
  const test = slice('test.csv', 10);
  writeFileSync(path.join(dir, 'categories.json'), JSON.stringify(intents));
  const categoryOf = new Map(test.map((row) => [row.text, row.category]));
  const decider = new FakeChatCompletions();
  let deciderUrl: string;

  beforeAll(async () => {
    deciderUrl = await decider.start();
  });

  afterAll(() => decider.stop());

  async function evaluate(name: string): Promise<Result> {
    const out = path.join(dir, `${name}.json`);
    const tool = path.join(findRepoRoot(), 'dist', 'tools', 'eval-intents.js');
    const args = ['--data', dir, '--k', '5', '--unknown', '2', '--decision-provider', deciderUrl, '--out', out];
    await run(process.execPath, [tool, ...args], {
      env: { ...process.env, OUTBOUND_ALLOWED_CIDRS: '127.0.0.0/8', DECISION_PROVIDER_API_KEY: 'sk-eval' },
    });
    const report = JSON.parse(readFileSync(out, 'utf8')) as { results: Result[] };
    return report.results[0]!;
  }

  it('asks the provider about the unsure messages only, and scores what it chose', async () => {
    // A model that is always right: the offered workflow named after the message's intent, or none.
    decider.answer = (body) => {
      const text = (body.messages as { content: string }[]).at(-1)!.content;
      const tools = body.tools as { function: { name: string; description: string } }[];
      const right = tools.find((tool) => tool.function.description.startsWith(`${categoryOf.get(text)}.`));
      const calls = right ? [{ type: 'function', function: { name: right.function.name, arguments: '{}' } }] : [];
      return { status: 200, body: { choices: [{ message: { role: 'assistant', tool_calls: calls } }] } };
    };
    const { cascade, accuracy } = await evaluate('right');
    expect(cascade.askedRate).toBeGreaterThan(0);
    expect(cascade.askedRate).toBeLessThan(1);
    expect(decider.requests).toHaveLength(Math.round(cascade.askedRate * test.length));
    expect(decider.requests.every((request) => request.authorization === 'Bearer sk-eval')).toBe(true);
    expect(cascade.provider).toEqual({ ...cascade.perfectDecider, failures: 0 });
    expect(cascade.provider.accuracy).toBeGreaterThan(accuracy);
  }, 120_000);

  it('lets intent matching decide when the provider fails, as trigger-matcher does', async () => {
    decider.requests = [];
    decider.answer = () => ({ status: 503, body: { error: 'overloaded' } });
    const { cascade, accuracy, falseTriggerRate } = await evaluate('failing');
    expect(cascade.provider).toEqual({ accuracy, falseTriggerRate, failures: decider.requests.length });
    expect(decider.requests.length).toBeGreaterThan(0);
  }, 120_000);
});
