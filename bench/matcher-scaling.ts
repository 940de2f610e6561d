import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import type { WorkflowDefinition } from '@app/contracts';
import {
  WorkflowIndex,
  evaluateWorkflows,
  type CandidateWorkflow,
  type FiredWorkflow,
  type PhraseVectors,
  type TriggerInput,
} from '@app/domain';
import { findRepoRoot, installIntentModel } from '@app/infra';
import { IntentVectors, OnnxSentenceEncoder } from '@app/intent-model';

const USAGE = `usage: npm run --silent bench:matcher [-- --messages N] [--recall-messages N] [--data DIR] [--model DIR]

Messages per second of the trigger engine (one core, no I/O) against 10, 100, 1,000 and 10,000
intent workflows of 5 Banking77 phrases each, with the intent stage (sentence vectors) off and
on, and the memory they take; and against as many AI-intent workflows, each message carrying the
platform AI's intent (through the index, and scoring every workflow for comparison). With it on,
a message costs its embedding (measured one message at a time, as the service does) plus the
match; the match alone is timed too, and the phrase search's recall is checked against a full
scan. Prints a table and writes bench/results/matcher-scaling.json. Target: 10,000 workflows cost
at most twice the per-message time of 100.`;

const SIZES = [10, 100, 1_000, 10_000];
/** Messages embedded one at a time to measure what a message costs the service. */
const TIMED_EMBEDDINGS = 300;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      messages: { type: 'string', default: '2000' },
      'recall-messages': { type: 'string', default: '300' },
      data: { type: 'string', default: path.join(findRepoRoot(), '..', 'shared', 'data', 'banking77') },
      model: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  const messageCount = Number(values.messages);
  const recallCount = Number(values['recall-messages']);
  if (!Number.isInteger(messageCount) || messageCount < 100) throw new Error('--messages must be an integer ≥ 100');
  if (!Number.isInteger(recallCount) || recallCount < 1)
    throw new Error('--recall-messages must be a positive integer');
  const rows = (file: string) =>
    parse(readFileSync(path.join(values.data, file), 'utf8'), { columns: true }) as { text: string }[];
  const phrases = rows('train.csv').map((row) => row.text);
  const messages = rows('test.csv')
    .map((row) => row.text)
    .slice(0, messageCount);

  const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
  const modelDir = values.model ?? process.env.INTENT_MODEL_DIR ?? (await installIntentModel({ log }));
  const intentVectors = new IntentVectors(await OnnxSentenceEncoder.load(modelDir));
  // What one message costs the service: embedded alone, one intra-op thread.
  const embeddingStarted = performance.now();
  for (const text of messages.slice(0, TIMED_EMBEDDINGS)) await intentVectors.encoder.encode([text]);
  const embeddingMicros = ((performance.now() - embeddingStarted) * 1000) / Math.min(TIMED_EMBEDDINGS, messages.length);
  log(`embedding: ${(embeddingMicros / 1000).toFixed(1)} ms per message`);
  const messageVectors = await intentVectors.encoder.encode(messages);

  const results: SizeResult[] = [];
  for (const size of SIZES) {
    const workflows: CandidateWorkflow[] = Array.from({ length: size }, (_, index) => ({
      id: `workflow-${index}`,
      name: `Workflow ${index}`,
      status: 'enabled' as WorkflowDefinition['status'],
      trigger: {
        type: 'intent',
        phrases: Array.from({ length: 5 }, (__, k) => phrases[(index * 5 + k) % phrases.length]!),
      },
    }));
    global.gc?.();
    const before = memoryInUse();
    const phraseStarted = performance.now();
    const phraseVectors = await intentVectors.phraseVectorsOf(workflows);
    const phraseEmbeddingSeconds = (performance.now() - phraseStarted) / 1000;
    const indexStarted = performance.now();
    const index = new WorkflowIndex(workflows, phraseVectors);
    const indexBuildMs = performance.now() - indexStarted;
    global.gc?.();
    const memoryMiB = (memoryInUse() - before) / 2 ** 20;

    const lexicalIndex = new WorkflowIndex(workflows);
    const off = time(messages, (text) => lexicalIndex.evaluate({ message: { role: 'contact', text } }).length);
    const inputOf = (i: number): TriggerInput => withVector(index, messages[i]!, messageVectors[i]!, phraseVectors);
    const on = time(messages, (_, i) => index.evaluate(inputOf(i)).length);
    const aiWorkflows = aiIntentWorkflows(size);
    const aiIndex = new WorkflowIndex(aiWorkflows);
    const aiInputOf = (text: string, i: number): TriggerInput => ({
      message: { role: 'contact', text },
      ai: { intent: `intent-${i % size}`, confidence: 0.9 },
    });
    const ai = time(messages, (text, i) => aiIndex.evaluate(aiInputOf(text, i)).length);
    const aiFullScan = time(messages, (text, i) => evaluateWorkflows(aiWorkflows, aiInputOf(text, i)).length);

    // Recall of the phrase search: the best workflow and the fired set, against all workflows scored.
    let sameBest = 0;
    let sameFired = 0;
    const recallMessages = Math.min(recallCount, messages.length);
    for (let i = 0; i < recallMessages; i += 1) {
      const indexed = index.evaluate(inputOf(i));
      const full = evaluateWorkflows(workflows, inputOf(i));
      if (indexed[0]?.workflow.id === full[0]?.workflow.id) sameBest += 1;
      if (idsOf(indexed) === idsOf(full)) sameFired += 1;
    }
    log(`${size} workflows: ${(messages.length / on.seconds).toFixed(0)} matches/s with vectors`);
    results.push({
      workflows: size,
      phrases: size * 5,
      phraseEmbeddingSeconds,
      indexBuildMs,
      memoryMiB,
      intentStageOff: { messagesPerSecond: messages.length / off.seconds, microsPerMessage: perMessage(off) },
      intentStageOn: {
        matchMicrosPerMessage: perMessage(on),
        microsPerMessage: embeddingMicros + perMessage(on),
        messagesPerSecond: 1e6 / (embeddingMicros + perMessage(on)),
        firedPerMessage: on.fired / messages.length,
      },
      recall: { messages: recallMessages, sameBest: sameBest / recallMessages, sameFired: sameFired / recallMessages },
      aiIntent: {
        messagesPerSecond: messages.length / ai.seconds,
        microsPerMessage: perMessage(ai),
        fullScanMicrosPerMessage: perMessage(aiFullScan),
      },
    });
  }
  const at = (size: number) => results.find((result) => result.workflows === size)!;
  const report = {
    benchmark: 'matcher-scaling',
    date: new Date().toISOString(),
    matcher: `same words, else sentence vectors (${intentVectors.encoder.model}); candidates from the WorkflowIndex`,
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version },
    messages: messages.length,
    embeddingMicrosPerMessage: embeddingMicros,
    results,
    costRatio10kTo100: at(10_000).intentStageOn.microsPerMessage / at(100).intentStageOn.microsPerMessage,
    matchCostRatio10kTo100:
      at(10_000).intentStageOn.matchMicrosPerMessage / at(100).intentStageOn.matchMicrosPerMessage,
    costRatio10kTo100IntentStageOff:
      at(10_000).intentStageOff.microsPerMessage / at(100).intentStageOff.microsPerMessage,
    costRatio10kTo100AiIntent: at(10_000).aiIntent.microsPerMessage / at(100).aiIntent.microsPerMessage,
  };
  const file = path.join(findRepoRoot(), 'bench', 'results', 'matcher-scaling.json');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(
    'workflows  off: msg/s  on: msg/s  on: µs/msg (match)  best = full scan  build ms  memory MiB  AI intent: µs/msg (full scan)\n',
  );
  for (const r of results) {
    process.stdout.write(
      `${String(r.workflows).padStart(9)}  ${r.intentStageOff.messagesPerSecond.toFixed(0).padStart(10)}  ${r.intentStageOn.messagesPerSecond.toFixed(0).padStart(9)}  ${r.intentStageOn.microsPerMessage.toFixed(0).padStart(9)} (${r.intentStageOn.matchMicrosPerMessage.toFixed(0).padStart(6)})  ${(r.recall.sameBest * 100).toFixed(1).padStart(14)} %  ${r.indexBuildMs.toFixed(0).padStart(8)}  ${r.memoryMiB.toFixed(1).padStart(10)}  ${r.aiIntent.microsPerMessage.toFixed(1).padStart(16)} (${r.aiIntent.fullScanMicrosPerMessage.toFixed(1)})\n`,
    );
  }
  process.stdout.write(
    `cost of 10,000 workflows ÷ cost of 100, intent stage on: ${report.costRatio10kTo100.toFixed(2)}× (match alone ${report.matchCostRatio10kTo100.toFixed(1)}×); off: ${report.costRatio10kTo100IntentStageOff.toFixed(2)}×; AI intent: ${report.costRatio10kTo100AiIntent.toFixed(2)}×\n`,
  );
}

interface SizeResult {
  workflows: number;
  phrases: number;
  phraseEmbeddingSeconds: number;
  indexBuildMs: number;
  memoryMiB: number;
  intentStageOff: { messagesPerSecond: number; microsPerMessage: number };
  intentStageOn: {
    matchMicrosPerMessage: number;
    microsPerMessage: number;
    messagesPerSecond: number;
    firedPerMessage: number;
  };
  recall: { messages: number; sameBest: number; sameFired: number };
  aiIntent: { messagesPerSecond: number; microsPerMessage: number; fullScanMicrosPerMessage: number };
}

/** `size` workflows that each fire on one intent the platform AI detects. */
function aiIntentWorkflows(size: number): CandidateWorkflow[] {
  return Array.from({ length: size }, (_, index) => ({
    id: `ai-workflow-${index}`,
    name: `AI workflow ${index}`,
    status: 'enabled' as WorkflowDefinition['status'],
    trigger: { type: 'ai_intent', intents: [`intent-${index}`] },
  }));
}

/** The input the service builds: the message's vector only when the index wants it. */
function withVector(
  index: WorkflowIndex<CandidateWorkflow>,
  text: string,
  vector: Float32Array,
  phraseVectors: PhraseVectors,
): TriggerInput {
  const input: TriggerInput = { message: { role: 'contact', text } };
  input.semantics = index.wantsMessageVector(input)
    ? { message: vector, phrases: phraseVectors }
    : { phrases: phraseVectors };
  return input;
}

function time(messages: readonly string[], evaluate: (text: string, index: number) => number) {
  const started = performance.now();
  let fired = 0;
  messages.forEach((text, index) => (fired += evaluate(text, index)));
  return { seconds: (performance.now() - started) / 1000, fired, messages: messages.length };
}

function perMessage({ seconds, messages }: { seconds: number; messages: number }): number {
  return (seconds * 1e6) / messages;
}

function idsOf(fired: readonly FiredWorkflow<CandidateWorkflow>[]): string {
  return fired.map(({ workflow }) => workflow.id).join(',');
}

/** JS heap plus array buffers (where the vectors live). */
function memoryInUse(): number {
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:matcher failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
