import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Consumer, Kafka } from '@app/kafka';
import pino from 'pino';
import { ALL_TOPICS, Topics, uncontractedTopic, type WorkflowDefinition } from '@app/contracts';
import {
  KAFKA_VERSION,
  findRepoRoot,
  installIntentModel,
  provisionInfrastructure,
  startServices,
  wipeLocalData,
} from '@app/infra';
import {
  createKafkaClient,
  createProducer,
  ensureTopics,
  jsonRecord,
  sendChunked,
  type OutboundRecord,
} from '@app/kafka';
import { messageCreatedEvent, readMetric, waitFor, workflowDefinitionsLoaded } from '@app/testing';

const USAGE = `usage: npm run bench [-- --events N] [--partitions P] [--workflows W]

The performance yardstick, measured in one run on one broker:
  (a) raw kafkajs passthrough: consume → JSON.parse → produce, batch-wise, committing offsets,
      in its own process (bench/raw-passthrough.ts);
  (b) the pipeline: conversation.events → ingest → trigger-matcher → workflow.triggers
      (validation, de-duplication in Postgres, matching, Kafka transactions), one trigger per event.
With --workflows W > 1, the tenant has W AI-intent workflows and every message carries the
platform AI's intent (one of them), still one trigger per event.
Both are timed from the first produced event to the last output record. Prints both and their
ratio, and writes bench/results/pipeline-vs-passthrough.json.`;

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '20000' },
      partitions: { type: 'string', default: '3' },
      workflows: { type: 'string', default: '1' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  const events = Number(values.events);
  const partitions = Number(values.partitions);
  const workflowCount = Number(values.workflows);
  if (!Number.isInteger(workflowCount) || workflowCount < 1) throw new Error('--workflows must be a positive integer');
  if (!Number.isInteger(events) || events < 100) throw new Error('--events must be an integer ≥ 100');
  if (!Number.isInteger(partitions) || partitions < 1) throw new Error('--partitions must be a positive integer');

  if (!process.env.KAFKA_BROKERS && !process.env.DATABASE_URL) await wipeLocalData('test');
  const infrastructure = await provisionInfrastructure({ profile: 'test', log });
  try {
    const kafka = createKafkaClient({
      brokers: infrastructure.kafkaBrokers,
      clientId: 'bench',
      logger: pino({ level: 'error' }),
    });
    const run = randomUUID().slice(0, 8);
    const raw = { in: `bench.${run}.raw.in`, out: `bench.${run}.raw.out` };
    await ensureTopics(kafka, ALL_TOPICS, partitions);
    await ensureTopics(
      kafka,
      [raw.in, raw.out].map((name) => uncontractedTopic(name)),
      partitions,
    );
    const tenantId = `bench-${run}`;
    const sample = messageCreatedEvent(tenantId, 'conv-0', "hi, I'd like to cancel my subscription please");
    log(`event size ${Buffer.byteLength(JSON.stringify(sample))} bytes, ${events} events, ${partitions} partitions`);

    const passthrough = await measurePassthrough(kafka, infrastructure.kafkaBrokers, raw, events, tenantId);
    log(`(a) raw passthrough: ${passthrough.eventsPerSecond.toFixed(0)} events/s`);
    const pipeline = await measurePipeline(kafka, infrastructure, events, tenantId, run, workflowCount);
    log(`(b) pipeline: ${pipeline.eventsPerSecond.toFixed(0)} events/s`);

    const result = {
      benchmark: 'pipeline-vs-passthrough',
      date: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model,
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
      },
      kafka: { version: KAFKA_VERSION, mode: infrastructure.mode.kafka, partitions },
      events,
      workflows: workflowCount,
      eventBytes: Buffer.byteLength(JSON.stringify(sample)),
      passthrough,
      pipeline,
      ratio: pipeline.eventsPerSecond / passthrough.eventsPerSecond,
    };
    const file = path.join(findRepoRoot(), 'bench', 'results', 'pipeline-vs-passthrough.json');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    log(`ratio pipeline ÷ passthrough = ${result.ratio.toFixed(3)}; written to ${path.relative(process.cwd(), file)}`);
  } finally {
    await infrastructure.stop();
  }
}

interface Measure {
  seconds: number;
  eventsPerSecond: number;
}

/** With `workflowCount` > 1, messages carry the platform AI's intent (one of the workflows' intents). */
function eventRecords(
  topic: string,
  events: number,
  tenantId: string,
  prefix: string,
  workflowCount: number,
): OutboundRecord[] {
  return Array.from({ length: events }, (_, index) => {
    const event = messageCreatedEvent(tenantId, `${prefix}-${index}`, "hi, I'd like to cancel my subscription please");
    if (workflowCount > 1) event.data.ai = { intent: `intent-${index % workflowCount}`, confidence: 0.9 };
    return jsonRecord(topic, event.subject, event);
  });
}

/**
 * One intent workflow that fires on every event; or, with `count` > 1, that many AI-intent
 * workflows, each firing on the events annotated with its intent (still one trigger per event).
 */
function benchWorkflows(tenantId: string, count: number): WorkflowDefinition[] {
  const base = {
    tenantId,
    version: 1,
    status: 'enabled' as const,
    action: { type: 'webhook' as const, url: 'https://example.com/hook' },
    firing: { mode: 'every_time' as const },
    signingSecret: `whsec_${Buffer.from(randomUUID()).toString('base64')}`,
    updatedAt: new Date().toISOString(),
  };
  if (count === 1) {
    return [
      {
        ...base,
        id: randomUUID(),
        name: 'Cancel subscription',
        trigger: { type: 'intent', phrases: ['I want to cancel', 'close my account', 'stop my subscription'] },
      },
    ];
  }
  return Array.from({ length: count }, (_, index) => ({
    ...base,
    id: randomUUID(),
    name: `AI intent ${index}`,
    trigger: { type: 'ai_intent' as const, intents: [`intent-${index}`] },
  }));
}

function groupJoined(consumer: Consumer): Promise<void> {
  return new Promise((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
}

/** Produces all records, then waits until `count` output records were seen; timed from the first send. */
async function timeUntilOutput(
  kafka: Kafka,
  records: OutboundRecord[],
  outputTopic: string,
  count: number,
  label: string,
): Promise<Measure> {
  let seen = 0;
  const counter = kafka.consumer({ groupId: `bench-counter-${randomUUID()}` });
  await counter.connect();
  await counter.subscribe({ topic: outputTopic, fromBeginning: false });
  const joined = groupJoined(counter);
  await counter.run({ eachBatch: async ({ batch }) => void (seen += batch.messages.length) });
  await joined;
  const producer = createProducer(kafka);
  await producer.connect();
  const started = performance.now();
  await sendChunked(producer, records);
  const progress = setInterval(() => log(`${label}: ${seen}/${count}`), 2_000);
  try {
    await waitFor(`${count} records on ${outputTopic}`, () => (seen >= count ? true : undefined), 600_000);
  } finally {
    clearInterval(progress);
  }
  const seconds = (performance.now() - started) / 1000;
  await producer.disconnect();
  await counter.disconnect();
  return { seconds, eventsPerSecond: count / seconds };
}

/** (a) the bare kafkajs passthrough (bench/raw-passthrough.ts) in its own process, joined before timing starts. */
async function measurePassthrough(
  kafka: Kafka,
  brokers: string[],
  topics: { in: string; out: string },
  events: number,
  tenantId: string,
): Promise<Measure> {
  const worker = spawn(
    process.execPath,
    [
      path.join(__dirname, 'raw-passthrough.js'),
      '--brokers',
      brokers.join(','),
      '--in',
      topics.in,
      '--out',
      topics.out,
      '--group',
      `bench-passthrough-${randomUUID()}`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  try {
    await new Promise<void>((resolve, reject) => {
      worker.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
      worker.once('exit', (code) => reject(new Error(`raw-passthrough exited with ${code} before it was ready`)));
    });
    return await timeUntilOutput(
      kafka,
      eventRecords(topics.in, events, tenantId, 'raw', 1),
      topics.out,
      events,
      '(a) passthrough',
    );
  } finally {
    worker.kill('SIGTERM');
    await exited;
  }
}

/** (b) the real ingest and trigger-matcher processes, with workflows that fire once on every event. */
async function measurePipeline(
  kafka: Kafka,
  infrastructure: { kafkaBrokers: string[]; databaseUrl: string },
  events: number,
  tenantId: string,
  run: string,
  workflowCount: number,
): Promise<Measure> {
  const workflows = benchWorkflows(tenantId, workflowCount);
  const producer = createProducer(kafka);
  await producer.connect();
  await sendChunked(
    producer,
    workflows.map((workflow) => jsonRecord(Topics.workflowDefinitions.name, workflow.id, workflow)),
  );
  await producer.disconnect();
  const services = await startServices({
    names: ['ingest', 'trigger-matcher'],
    env: {
      KAFKA_BROKERS: infrastructure.kafkaBrokers.join(','),
      DATABASE_URL: infrastructure.databaseUrl,
      LOG_LEVEL: 'warn',
      INSTANCE_ID: `bench-${run}`,
      INTENT_MODEL_DIR: process.env.INTENT_MODEL_DIR ?? (await installIntentModel({ log })),
    },
    portOffset: 2000,
    logDir: path.join(findRepoRoot(), '.data', 'test', 'logs'),
    log,
  });
  try {
    await waitFor('trigger-matcher to load the workflows', async () =>
      ((await workflowDefinitionsLoaded(services.url('trigger-matcher'))) ?? 0) >= workflows.length ? true : undefined,
    );
    const measure = await timeUntilOutput(
      kafka,
      eventRecords(Topics.conversationEvents.name, events, tenantId, `pipe-${run}`, workflowCount),
      Topics.workflowTriggers.name,
      events,
      '(b) pipeline',
    );
    await logBatchFigures(services.url('ingest'), Topics.conversationEvents.name, 'ingest');
    await logBatchFigures(services.url('trigger-matcher'), Topics.validatedEvents.name, 'trigger-matcher');
    return measure;
  } finally {
    await services.stop();
  }
}

/** Where a hop's time goes: how many batches (so transactions) it committed, their size and duration. */
async function logBatchFigures(serviceUrl: string, topic: string, service: string): Promise<void> {
  const batches = (await readMetric(serviceUrl, 'aw_kafka_batch_duration_seconds_count', { topic })) ?? 0;
  const seconds = (await readMetric(serviceUrl, 'aw_kafka_batch_duration_seconds_sum', { topic })) ?? 0;
  const consumed = (await readMetric(serviceUrl, 'aw_events_consumed_total', { topic })) ?? 0;
  if (batches === 0) return;
  log(
    `${service}: ${batches} batches of ${(consumed / batches).toFixed(1)} events on average, ` +
      `${((1000 * seconds) / batches).toFixed(1)} ms each from fetch to commit`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
