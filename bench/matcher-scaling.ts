import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import type { WorkflowDefinition } from '@app/contracts';
import { WorkflowIndex, evaluateWorkflows, type CandidateWorkflow } from '@app/domain';
import { findRepoRoot } from '@app/infra';

const USAGE = `usage: npm run --silent bench:matcher [-- --messages N] [--data DIR]

Messages per second of the trigger engine (libs/domain, one core, no I/O) against 10, 100, 1,000
and 10,000 intent workflows of 5 Banking77 phrases each, and the heap they take. Prints a table
and writes bench/results/matcher-scaling.json. Target: 10,000 workflows cost at most twice the
per-message time of 100.`;

const SIZES = [10, 100, 1_000, 10_000];

function main(): void {
  const { values } = parseArgs({
    options: {
      messages: { type: 'string', default: '2000' },
      data: { type: 'string', default: path.join(findRepoRoot(), '..', 'shared', 'data', 'banking77') },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  const messageCount = Number(values.messages);
  if (!Number.isInteger(messageCount) || messageCount < 100) throw new Error('--messages must be an integer ≥ 100');
  const rows = (file: string) =>
    parse(readFileSync(path.join(values.data, file), 'utf8'), { columns: true }) as { text: string }[];
  const phrases = rows('train.csv').map((row) => row.text);
  const messages = rows('test.csv')
    .map((row) => row.text)
    .slice(0, messageCount);

  const results = SIZES.map((size) => {
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const workflows: CandidateWorkflow[] = Array.from({ length: size }, (_, index) => ({
      id: `workflow-${index}`,
      name: `Workflow ${index}`,
      status: 'enabled' as WorkflowDefinition['status'],
      trigger: {
        type: 'intent',
        phrases: Array.from({ length: 5 }, (__, k) => phrases[(index * 5 + k) % phrases.length]!),
      },
    }));
    const indexStarted = performance.now();
    const index = new WorkflowIndex(workflows);
    const indexBuildMs = performance.now() - indexStarted;
    const time = (evaluate: (text: string) => number) => {
      const started = performance.now();
      let fired = 0;
      for (const text of messages) fired += evaluate(text);
      return { seconds: (performance.now() - started) / 1000, fired };
    };
    const fullScan = time((text) => evaluateWorkflows(workflows, { message: { role: 'contact', text } }).length);
    const indexed = time((text) => index.evaluate({ message: { role: 'contact', text } }).length);
    if (fullScan.fired !== indexed.fired) throw new Error(`index and full scan disagree at ${size} workflows`);
    const seconds = indexed.seconds;
    const fired = indexed.fired;
    const heapMiB = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
    process.stderr.write(`[bench] ${size} workflows: ${(messages.length / seconds).toFixed(0)} messages/s\n`);
    return {
      workflows: size,
      indexBuildMs,
      fullScanMessagesPerSecond: messages.length / fullScan.seconds,
      messagesPerSecond: messages.length / seconds,
      microsPerMessage: (seconds * 1e6) / messages.length,
      firedPerMessage: fired / messages.length,
      heapMiB,
    };
  });
  const per = (size: number) => results.find((result) => result.workflows === size)!.microsPerMessage;
  const report = {
    benchmark: 'matcher-scaling',
    date: new Date().toISOString(),
    matcher: 'lexical word overlap; candidates from the WorkflowIndex (full scan for comparison)',
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version },
    messages: messages.length,
    results,
    costRatio10kTo100: per(10_000) / per(100),
  };
  const file = path.join(findRepoRoot(), 'bench', 'results', 'matcher-scaling.json');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write('workflows  messages/s (index)  µs/message  messages/s (full scan)  heap MiB\n');
  for (const r of results) {
    process.stdout.write(
      `${String(r.workflows).padStart(9)}  ${r.messagesPerSecond.toFixed(0).padStart(18)}  ${r.microsPerMessage.toFixed(1).padStart(10)}  ${r.fullScanMessagesPerSecond.toFixed(0).padStart(22)}  ${r.heapMiB.toFixed(1).padStart(8)}\n`,
    );
  }
  process.stdout.write(`cost of 10,000 workflows ÷ cost of 100: ${report.costRatio10kTo100.toFixed(1)}×\n`);
}

try {
  main();
} catch (error) {
  process.stderr.write(`bench:matcher failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
