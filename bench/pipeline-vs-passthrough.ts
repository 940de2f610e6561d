import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Consumer, Kafka } from '@app/kafka';
import pino from 'pino';
import { ALL_TOPICS, Topics, uncontractedTopic, type WorkflowDefinition } from '@app/contracts';
import { KAFKA_VERSION, findRepoRoot, provisionInfrastructure, startServices, wipeLocalData } from '@app/infra';
import {
  createKafkaClient,
  createProducer,
  ensureTopics,
  jsonRecord,
  sendChunked,
  type OutboundRecord,
} from '@app/kafka';
import { messageCreatedEvent, waitFor, workflowDefinitionsLoaded } from '@app/testing';

const USAGE = `usage: npm run bench [-- --events N] [--partitions P]

The performance yardstick, measured in one run on one broker:
  (a) raw kafkajs passthrough: consume → JSON.parse → produce, batch-wise, committing offsets,
      in its own process (bench/raw-passthrough.ts);
  (b) the pipeline: conversation.events → ingest → trigger-matcher → workflow.triggers
      (validation, de-duplication in Postgres, matching, Kafka transactions), one trigger per event.
Both are timed from the first produced event to the last output record. Prints both and their
ratio, and writes bench/results/pipeline-vs-passthrough.json.`;

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '20000' },
      partitions: { type: 'string', default: '3' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  const events = Number(values.events);
  const partitions = Number(values.partitions);
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
    const pipeline = await measurePipeline(kafka, infrastructure, events, tenantId, run);
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

function eventRecords(topic: string, events: number, tenantId: string, prefix: string): OutboundRecord[] {
  return Array.from({ length: events }, (_, index) => {
    const event = messageCreatedEvent(tenantId, `${prefix}-${index}`, "hi, I'd like to cancel my subscription please");
    return jsonRecord(topic, event.subject, event);
  });
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
      eventRecords(topics.in, events, tenantId, 'raw'),
      topics.out,
      events,
      '(a) passthrough',
    );
  } finally {
    worker.kill('SIGTERM');
    await exited;
  }
}

/** (b) the real ingest and trigger-matcher processes, with a workflow that fires on every event. */
async function measurePipeline(
  kafka: Kafka,
  infrastructure: { kafkaBrokers: string[]; databaseUrl: string },
  events: number,
  tenantId: string,
  run: string,
): Promise<Measure> {
  const workflow: WorkflowDefinition = {
    id: randomUUID(),
    tenantId,
    name: 'Cancel subscription',
    version: 1,
    status: 'enabled',
    trigger: { type: 'intent', phrases: ['I want to cancel', 'close my account', 'stop my subscription'] },
    action: { type: 'webhook', url: 'https://example.com/hook' },
    firing: { mode: 'every_time' },
    signingSecret: `whsec_${Buffer.from(randomUUID()).toString('base64')}`,
    updatedAt: new Date().toISOString(),
  };
  const producer = createProducer(kafka);
  await producer.connect();
  await sendChunked(producer, [jsonRecord(Topics.workflowDefinitions.name, workflow.id, workflow)]);
  await producer.disconnect();
  const services = await startServices({
    names: ['ingest', 'trigger-matcher'],
    env: {
      KAFKA_BROKERS: infrastructure.kafkaBrokers.join(','),
      DATABASE_URL: infrastructure.databaseUrl,
      LOG_LEVEL: 'warn',
      INSTANCE_ID: `bench-${run}`,
    },
    portOffset: 2000,
    logDir: path.join(findRepoRoot(), '.data', 'test', 'logs'),
    log,
  });
  try {
    await waitFor('trigger-matcher to load the workflow', async () =>
      ((await workflowDefinitionsLoaded(services.url('trigger-matcher'))) ?? 0) > 0 ? true : undefined,
    );
    return await timeUntilOutput(
      kafka,
      eventRecords(Topics.conversationEvents.name, events, tenantId, `pipe-${run}`),
      Topics.workflowTriggers.name,
      events,
      '(b) pipeline',
    );
  } finally {
    await services.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
