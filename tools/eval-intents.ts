import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import type { Trigger } from '@app/contracts';
import { listOf } from '@app/config';
import {
  DEFAULT_UNSURE_MARGIN,
  OutboundAddressPolicy,
  WorkflowIndex,
  decisionRequestOf,
  seededRandom,
  unsureIntents,
  type CandidateWorkflow,
  type DecisionProvider,
  type TriggerInput,
} from '@app/domain';
import { GuardedHttpClient } from '@app/http';
import { findRepoRoot } from '@app/infra';
import type { IntentVectors } from '@app/intent-model';
import {
  CHAT_COMPLETION_MAX_RESPONSE_BYTES,
  ChatCompletionsDecisionProvider,
} from '../apps/trigger-matcher/src/decision/chat-completions.provider';
import { intentVectorsFor } from './intent-model-option';

/** Provider requests in flight at once. */
const PROVIDER_CONCURRENCY = 8;

const USAGE = `usage: npm run --silent eval:intents [-- --k 5,10] [--seed 77] [--unknown 10] [--threshold T] [--data DIR]
         [--model DIR|off] [--unsure-margin M] [--decision-provider URL [--decision-model NAME]] [--out FILE]

Evaluates intent matching on Banking77 as a workflow author would use it: one workflow per intent
with k example phrases drawn from the train split (fixed seed), some intents held out as unknown.
On the test split it reports the accuracy on known intents (the best workflow is the right one;
firing nothing counts as wrong) and the false-trigger rate on unknown ones (anything fires).
Prints a table and writes --out (default bench/results/eval-intents.json). Data: ../shared/data/banking77.
The intent model comes from --model, else INTENT_MODEL_DIR, else .data/cache (fetched on first use).
messages/s counts the matcher only; embedding the messages is timed apart (embeddingsPerSecond).

The cascade (docs/triggers.md, "Decision provider"): the share of messages intent matching is
unsure of at --unsure-margin (default ${DEFAULT_UNSURE_MARGIN}), which trigger-matcher would ask its decision
provider about, and the accuracy if that provider always chose right (a ceiling). With
--decision-provider (an OpenAI-compatible base URL; key from DECISION_PROVIDER_API_KEY; a local
one needs its subnet in OUTBOUND_ALLOWED_CIDRS), it asks it, as trigger-matcher does, and reports
the cascade's real figures.`;

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
  cascade: { margin: number; provider: DecisionProvider | null },
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
  const phraseVectors = await intentVectors?.phraseVectorsOf(workflows);
  const embeddingStarted = performance.now();
  const messageVectors = await intentVectors?.encoder.encode(rows.test.map((row) => row.text));
  const embeddingSeconds = (performance.now() - embeddingStarted) / 1000;
  const started = performance.now();
  const workflowIndex = new WorkflowIndex(workflows, phraseVectors);
  const inputs = rows.test.map((row, index): TriggerInput => {
    const input: TriggerInput = { message: { role: 'contact', text: row.text } };
    if (phraseVectors && messageVectors) {
      input.semantics = workflowIndex.wantsMessageVector(input)
        ? { message: messageVectors[index]!, phrases: phraseVectors }
        : { phrases: phraseVectors };
    }
    return input;
  });
  const best = inputs.map((input, index) => {
    const fired = workflowIndex.evaluate(input);
    if ((index + 1) % 1000 === 0) process.stderr.write(`[eval] k=${k}: ${index + 1}/${rows.test.length}\n`);
    return fired[0]?.workflow.id ?? null;
  });
  const seconds = (performance.now() - started) / 1000;
  const knownIndexes = rows.test.flatMap((row, index) => (known.has(row.category) ? [index] : []));
  const unsure = inputs.map((input) =>
    unsureIntents(workflowIndex.explainNearIntents(input, cascade.margin), cascade.margin, input),
  );
  const asked = unsure.flatMap((candidates, index) => (candidates ? [index] : []));
  // What a decider that always chooses right makes of the messages asked: the right intent when it
  // is among the candidates, none for an unknown intent.
  const perfect = best.map((id, index) => {
    const candidates = unsure[index];
    if (!candidates) return id;
    const { category } = rows.test[index]!;
    return candidates.some((workflow) => workflow.id === category) ? category : null;
  });
  return {
    k,
    workflows: workflows.length,
    ...rates(best, rows.test, known),
    silentOnKnownRate: knownIndexes.filter((index) => best[index] === null).length / knownIndexes.length,
    knownMessages: knownIndexes.length,
    unknownMessages: rows.test.length - knownIndexes.length,
    messagesPerSecond: rows.test.length / seconds,
    ...(messageVectors ? { embeddingsPerSecond: rows.test.length / embeddingSeconds } : {}),
    cascade: {
      unsureMargin: cascade.margin,
      askedRate: asked.length / rows.test.length,
      perfectDecider: rates(perfect, rows.test, known),
      ...(cascade.provider
        ? { provider: await askProvider(cascade.provider, rows.test, best, unsure, asked, known, k) }
        : {}),
    },
  };
}

/** Accuracy on known intents and false triggers on unknown ones of the decisions (the best workflow's id, or null). */
function rates(decided: readonly (string | null)[], test: readonly Row[], known: ReadonlySet<string>) {
  let correct = 0;
  let falseTriggers = 0;
  test.forEach((row, index) => {
    if (known.has(row.category)) correct += decided[index] === row.category ? 1 : 0;
    else falseTriggers += decided[index] === null ? 0 : 1;
  });
  const knownTotal = test.filter((row) => known.has(row.category)).length;
  return { accuracy: correct / knownTotal, falseTriggerRate: falseTriggers / (test.length - knownTotal) };
}

/** The cascade as trigger-matcher runs it: the provider decides the unsure messages; when it fails, intent matching does. */
async function askProvider(
  provider: DecisionProvider,
  test: readonly Row[],
  best: readonly (string | null)[],
  unsure: readonly (CandidateWorkflow[] | null)[],
  asked: readonly number[],
  known: ReadonlySet<string>,
  k: number,
) {
  const decided = [...best];
  let failures = 0;
  let done = 0;
  let next = 0;
  const worker = async () => {
    while (next < asked.length) {
      const index = asked[next++]!;
      const candidates = unsure[index]!;
      try {
        const chosen = new Set(await provider.choose(decisionRequestOf(test[index]!.text, [], candidates)));
        decided[index] = candidates.find((workflow) => chosen.has(workflow.id))?.id ?? null;
      } catch (error) {
        failures += 1;
        if (failures === 1)
          process.stderr.write(`[eval] the provider failed (intent matching decides): ${String(error)}\n`);
      }
      done += 1;
      if (done % 100 === 0 || done === asked.length)
        process.stderr.write(`[eval] k=${k}: provider asked ${done}/${asked.length}\n`);
    }
  };
  await Promise.all(Array.from({ length: PROVIDER_CONCURRENCY }, worker));
  return { ...rates(decided, test, known), failures };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      k: { type: 'string', default: '5,10' },
      seed: { type: 'string', default: '77' },
      unknown: { type: 'string', default: '10' },
      threshold: { type: 'string' },
      model: { type: 'string' },
      'unsure-margin': { type: 'string', default: String(DEFAULT_UNSURE_MARGIN) },
      'decision-provider': { type: 'string' },
      'decision-model': { type: 'string', default: 'gpt-4o-mini' },
      out: { type: 'string', default: path.join(findRepoRoot(), 'bench', 'results', 'eval-intents.json') },
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
  const margin = Number(values['unsure-margin']);
  if (!(margin >= 0 && margin <= 1)) throw new Error('--unsure-margin takes 0..1');
  const providerUrl = values['decision-provider'];
  if (providerUrl !== undefined && !/^https?:\/\/./.test(providerUrl))
    throw new Error('--decision-provider takes an http(s) base URL, e.g. https://api.openai.com/v1');
  const provider =
    providerUrl === undefined
      ? null
      : new ChatCompletionsDecisionProvider(
          new GuardedHttpClient(new OutboundAddressPolicy(listOf(process.env.OUTBOUND_ALLOWED_CIDRS ?? '')), {
            timeoutMs: 30_000,
            connectTimeoutMs: 5_000,
            maxResponseBytes: CHAT_COMPLETION_MAX_RESPONSE_BYTES,
          }),
          { url: providerUrl, model: values['decision-model'], apiKey: process.env.DECISION_PROVIDER_API_KEY ?? '' },
        );

  const rows = {
    train: readRows(path.join(values.data, 'train.csv')),
    test: readRows(path.join(values.data, 'test.csv')),
  };
  const intents = JSON.parse(readFileSync(path.join(values.data, 'categories.json'), 'utf8')) as string[];
  if (unknownCount < 1 || unknownCount >= intents.length) {
    throw new Error(`--unknown takes 1 to ${intents.length - 1} (intents held out as unknown), not ${unknownCount}`);
  }
  const unknown = new Set(shuffled(intents, seededRandom(seed)).slice(0, unknownCount));
  const known = new Set(intents.filter((intent) => !unknown.has(intent)));
  process.stderr.write(
    `[eval] ${rows.train.length} train, ${rows.test.length} test rows; ${known.size} known, ${unknown.size} unknown intents\n`,
  );

  const intentVectors = await intentVectorsFor(values.model, (line) => process.stderr.write(`[eval] ${line}\n`));
  const results = [];
  for (const k of ks) {
    results.push(await evaluate(k, rows, known, seed, threshold, intentVectors, { margin, provider }));
  }
  const report = {
    evaluation: 'banking77-intents',
    date: new Date().toISOString(),
    matcher: intentVectors
      ? `same words, else mean of the 2 best phrase cosines (${intentVectors.encoder.model}); libs/domain/src/triggers/intent.trigger.ts`
      : 'same words only (model off)',
    seed,
    threshold: threshold ?? 'default',
    ...(provider ? { decisionProvider: { url: providerUrl, model: values['decision-model'] } } : {}),
    unknownIntents: [...unknown].sort(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version },
    results,
  };
  const file = values.out;
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(
    '  k  accuracy  false triggers  silent on known  messages/s  | cascade: asked  perfect decider  provider\n',
  );
  for (const r of results) {
    const { askedRate, perfectDecider, provider: byProvider } = r.cascade;
    const pair = (figures: { accuracy: number; falseTriggerRate: number }) =>
      `${pct(figures.accuracy)} / ${pct(figures.falseTriggerRate)}`;
    process.stdout.write(
      `${String(r.k).padStart(3)}  ${pct(r.accuracy).padStart(8)}  ${pct(r.falseTriggerRate).padStart(14)}  ${pct(r.silentOnKnownRate).padStart(15)}  ${r.messagesPerSecond.toFixed(0).padStart(10)}  | ${pct(askedRate).padStart(14)}  ${pair(perfectDecider).padStart(15)}  ${byProvider ? pair(byProvider) : '—'}\n`,
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
