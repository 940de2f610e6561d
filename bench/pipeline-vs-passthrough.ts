import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Topics, type WorkflowDefinition } from '@app/contracts';
import { KAFKA_VERSION, installIntentModel } from '@app/infra';
import { createProducer, jsonRecord, sendChunked, type Kafka, type OutboundRecord } from '@app/kafka';
import { messageCreatedEvent, readMetric, serviceCpuSeconds, waitFor, workflowDefinitionsLoaded } from '@app/testing';
import {
  cpuPerEvent,
  log,
  machine,
  measurePassthrough,
  startBenchServices,
  timeUntilOutput,
  withBenchInfrastructure,
  writeResult,
  type Measure,
} from './harness';

const USAGE = `usage: npm run bench [-- --events N] [--partitions P] [--workflows W]

The performance yardstick, measured in one run on one broker:
  (a) raw kafkajs passthrough: consume → JSON.parse → produce, batch-wise, committing offsets,
      in its own process (bench/raw-passthrough.ts);
  (b) the pipeline: conversation.events → ingest → trigger-matcher → workflow.triggers
      (validation, de-duplication in Postgres, matching, Kafka transactions), one trigger per event.
With --workflows W > 1, the tenant has W AI-intent workflows and every message carries the
platform AI's intent (one of them), still one trigger per event.
Both are timed from the first produced event to the last output record. Prints both and their
ratio, and the CPU each spent per event (the passthrough's process; ingest and trigger-matcher),
and writes bench/results/pipeline-vs-passthrough.json.`;

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

  await withBenchInfrastructure(partitions, async ({ infrastructure, kafka, run, raw }) => {
    const tenantId = `bench-${run}`;
    const sample = messageCreatedEvent(tenantId, 'conv-0', "hi, I'd like to cancel my subscription please");
    log(`event size ${Buffer.byteLength(JSON.stringify(sample))} bytes, ${events} events, ${partitions} partitions`);

    const passthrough = await measurePassthrough(
      kafka,
      infrastructure.kafkaBrokers,
      raw,
      eventRecords(raw.in, events, tenantId, 'raw', 1),
    );
    log(`(a) raw passthrough: ${passthrough.eventsPerSecond.toFixed(0)} events/s, ${cpuPerEvent(passthrough)}`);
    const pipeline = await measurePipeline(kafka, infrastructure, events, tenantId, run, workflowCount);
    log(
      `(b) pipeline: ${pipeline.eventsPerSecond.toFixed(0)} events/s, ${cpuPerEvent(pipeline)} (ingest and trigger-matcher)`,
    );

    const result = {
      benchmark: 'pipeline-vs-passthrough',
      date: new Date().toISOString(),
      machine: machine(),
      kafka: { version: KAFKA_VERSION, mode: infrastructure.mode.kafka, partitions },
      events,
      workflows: workflowCount,
      eventBytes: Buffer.byteLength(JSON.stringify(sample)),
      passthrough,
      pipeline,
      ratio: pipeline.eventsPerSecond / passthrough.eventsPerSecond,
    };
    writeResult('pipeline-vs-passthrough', result);
    log(`ratio pipeline ÷ passthrough = ${result.ratio.toFixed(3)}`);
  });
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
  const services = await startBenchServices(infrastructure, run, ['ingest', 'trigger-matcher'], {
    env: { INTENT_MODEL_DIR: process.env.INTENT_MODEL_DIR ?? (await installIntentModel({ log })) },
  });
  try {
    await waitFor('trigger-matcher to load the workflows', async () =>
      ((await workflowDefinitionsLoaded(services.url('trigger-matcher'))) ?? 0) >= workflows.length ? true : undefined,
    );
    // Each service's own process_cpu_seconds_total, before and after.
    const hops = ['ingest', 'trigger-matcher'] as const;
    const cpuSeconds = () => Promise.all(hops.map((name) => serviceCpuSeconds(services.url(name))));
    const cpuBefore = await cpuSeconds();
    const timed = await timeUntilOutput(
      kafka,
      eventRecords(Topics.conversationEvents.name, events, tenantId, `pipe-${run}`, workflowCount),
      Topics.workflowTriggers.name,
      events,
      '(b) pipeline',
    );
    const cpuMsPerEvent = (await cpuSeconds()).map((after, index) => ((after - cpuBefore[index]!) * 1000) / events);
    hops.forEach((name, index) => log(`${name}: ${cpuMsPerEvent[index]!.toFixed(3)} ms of CPU per event`));
    const measure = {
      ...timed,
      cpuMsPerEvent: cpuMsPerEvent.reduce((sum, ms) => sum + ms, 0),
      cpuMsPerEventByService: Object.fromEntries(hops.map((name, index) => [name, cpuMsPerEvent[index]])),
    };
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
