import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import type { Trigger } from '@app/contracts';
import { WorkflowIndex, seededRandom, type CandidateWorkflow, type TriggerInput } from '@app/domain';
import { findRepoRoot, installIntentModel } from '@app/infra';
import { IntentVectors, OnnxSentenceEncoder } from '@app/intent-model';

const USAGE = `usage: npm run --silent eval:intents [-- --k 5,10] [--seed 77] [--unknown 10] [--threshold T] [--data DIR] [--model DIR|off]

Evaluates intent matching on Banking77 as a workflow author would use it: one workflow per intent
with k example phrases drawn from the train split (fixed seed), some intents held out as unknown.
On the test split it reports the accuracy on known intents (the best workflow is the right one;
firing nothing counts as wrong) and the false-trigger rate on unknown ones (anything fires).
Prints a table and writes bench/results/eval-intents.json. Data: ../shared/data/banking77.
The intent model comes from --model, else INTENT_MODEL_DIR, else .data/cache (fetched on first use).
messages/s counts the matcher only; embedding the messages is timed apart (embeddingsPerSecond).`;

interface Row {
  text: string;
  category: string;
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

function readRows(file: string): Row[] {
  return parse(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true }) as Row[];
}

async function evaluate(
  k: number,
  rows: { train: Row[]; test: Row[] },
  known: Set<string>,
  seed: number,
  threshold: number | undefined,
  intentVectors: IntentVectors | null,
) {
  const random = seededRandom(seed + k);
  const workflows: CandidateWorkflow[] = [...known].sort().map((intent) => {
    const phrases = shuffled(
      rows.train.filter((row) => row.category === intent).map((row) => row.text),
      random,
    ).slice(0, k);
    const trigger: Trigger = { type: 'intent', phrases, ...(threshold !== undefined ? { threshold } : {}) };
    return { id: intent, name: intent, status: 'enabled', trigger };
  });
  let knownTotal = 0;
  let correct = 0;
  let silentOnKnown = 0;
  let unknownTotal = 0;
  let falseTriggers = 0;
  const phraseVectors = await intentVectors?.phraseVectorsOf(workflows);
  const embeddingStarted = performance.now();
  const messageVectors = await intentVectors?.encoder.encode(rows.test.map((row) => row.text));
  const embeddingSeconds = (performance.now() - embeddingStarted) / 1000;
  const started = performance.now();
  const workflowIndex = new WorkflowIndex(workflows, phraseVectors);
  rows.test.forEach((row, index) => {
    const input: TriggerInput = { message: { role: 'contact', text: row.text } };
    if (phraseVectors && messageVectors) {
      input.semantics = workflowIndex.wantsMessageVector(input)
        ? { message: messageVectors[index]!, phrases: phraseVectors }
        : { phrases: phraseVectors };
    }
    const fired = workflowIndex.evaluate(input);
    if (known.has(row.category)) {
      knownTotal += 1;
      if (fired[0]?.workflow.id === row.category) correct += 1;
      if (fired.length === 0) silentOnKnown += 1;
    } else {
      unknownTotal += 1;
      if (fired.length > 0) falseTriggers += 1;
    }
    if ((index + 1) % 1000 === 0) process.stderr.write(`[eval] k=${k}: ${index + 1}/${rows.test.length}\n`);
  });
  const seconds = (performance.now() - started) / 1000;
  return {
    k,
    workflows: workflows.length,
    accuracy: correct / knownTotal,
    falseTriggerRate: falseTriggers / unknownTotal,
    silentOnKnownRate: silentOnKnown / knownTotal,
    knownMessages: knownTotal,
    unknownMessages: unknownTotal,
    messagesPerSecond: rows.test.length / seconds,
    ...(messageVectors ? { embeddingsPerSecond: rows.test.length / embeddingSeconds } : {}),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      k: { type: 'string', default: '5,10' },
      seed: { type: 'string', default: '77' },
      unknown: { type: 'string', default: '10' },
      threshold: { type: 'string' },
      model: { type: 'string' },
      data: { type: 'string', default: path.join(findRepoRoot(), '..', 'shared', 'data', 'banking77') },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  const ks = values.k.split(',').map(Number);
  const seed = Number(values.seed);
  const unknownCount = Number(values.unknown);
  const threshold = values.threshold === undefined ? undefined : Number(values.threshold);
  if (ks.some((k) => !Number.isInteger(k) || k < 1)) throw new Error('--k takes positive integers, e.g. 5,10');
  if (!Number.isInteger(seed) || !Number.isInteger(unknownCount)) throw new Error('--seed and --unknown take integers');
  if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) throw new Error('--threshold takes 0..1');

  const rows = {
    train: readRows(path.join(values.data, 'train.csv')),
    test: readRows(path.join(values.data, 'test.csv')),
  };
  const intents = JSON.parse(readFileSync(path.join(values.data, 'categories.json'), 'utf8')) as string[];
  const unknown = new Set(shuffled(intents, seededRandom(seed)).slice(0, unknownCount));
  const known = new Set(intents.filter((intent) => !unknown.has(intent)));
  process.stderr.write(
    `[eval] ${rows.train.length} train, ${rows.test.length} test rows; ${known.size} known, ${unknown.size} unknown intents\n`,
  );

  const modelDir = values.model ?? process.env.INTENT_MODEL_DIR;
  const intentVectors =
    modelDir === 'off'
      ? null
      : new IntentVectors(
          await OnnxSentenceEncoder.load(
            modelDir ?? (await installIntentModel({ log: (line) => process.stderr.write(`[eval] ${line}\n`) })),
          ),
        );
  const results = [];
  for (const k of ks) results.push(await evaluate(k, rows, known, seed, threshold, intentVectors));
  const report = {
    evaluation: 'banking77-intents',
    date: new Date().toISOString(),
    matcher: intentVectors
      ? `same words, else mean of the 2 best phrase cosines (${intentVectors.encoder.model}); libs/domain/src/triggers/intent.trigger.ts`
      : 'same words only (model off)',
    seed,
    threshold: threshold ?? 'default',
    unknownIntents: [...unknown].sort(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version },
    results,
  };
  const file = path.join(findRepoRoot(), 'bench', 'results', 'eval-intents.json');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write('  k  accuracy  false triggers  silent on known  messages/s\n');
  for (const r of results) {
    process.stdout.write(
      `${String(r.k).padStart(3)}  ${pct(r.accuracy).padStart(8)}  ${pct(r.falseTriggerRate).padStart(14)}  ${pct(r.silentOnKnownRate).padStart(15)}  ${r.messagesPerSecond.toFixed(0).padStart(10)}\n`,
    );
  }
  process.stderr.write(`[eval] written to ${path.relative(process.cwd(), file)}\n`);
}

function pct(value: number): string {
  return `${(value * 100).toFixed(1)} %`;
}

main().catch((error: unknown) => {
  process.stderr.write(`eval:intents failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
