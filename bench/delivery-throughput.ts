import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { Agent, request } from 'undici';
import { ALL_TOPICS, Topics, type WorkflowDefinition, type WorkflowTriggered } from '@app/contracts';
import { buildWebhookPayload, executionIdOf } from '@app/domain';
import { KAFKA_VERSION, findRepoRoot, provisionInfrastructure, wipeLocalData } from '@app/infra';
import { createKafkaClient, createProducer, ensureTopics, jsonRecord, sendChunked, type Producer } from '@app/kafka';
import { readMetric, serviceCpuSeconds, waitFor, workflowDefinitionsLoaded } from '@app/testing';
import { log, startBenchServices } from './harness';

const USAGE = `usage: npm run bench:delivery [-- --deliveries N] [--rate R] [--seconds S] [--concurrency C] [--warmup W]

Webhook delivery, measured in one run against one local HTTP receiver:
  (a) a plain undici POST loop (C requests in flight) sending N webhook-sized bodies;
  (b) action-dispatcher delivering N triggers published to workflow.triggers at once
      (signing, SSRF guard, durable schedule, Kafka transactions), timed from the first publish
      to the last webhook received; ratio (b) ÷ (a);
  (c) latency from a trigger published to its webhook received, with triggers published at R/s
      for S seconds: p50, p95, p99, max.
(a) and (b) each first make W untimed deliveries (default 1000), so that connections are open and
the code is compiled when timing starts. Each phase also reports CPU per delivery: (a) this
process's (loop and receiver), (b) and (c) the dispatcher's (its process_cpu_seconds_total).
Writes bench/results/delivery-throughput.json.`;

/** A loopback receiver that answers 200 at once and notes when each webhook-id first arrived. */
async function startReceiver() {
  const firstSeen = new Map<string, number>();
  let requests = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests += 1;
      const id = req.headers['webhook-id'];
      if (typeof id === 'string' && !firstSeen.has(id)) firstSeen.set(id, Date.now());
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    firstSeen,
    requests: () => requests,
    stop: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

function sampleTrigger(workflow: WorkflowDefinition, index: number, run: string): WorkflowTriggered {
  const now = new Date().toISOString();
  const text = "hi, I'd like to cancel my subscription please";
  return {
    triggerId: `bench-${run}-${index}`,
    tenantId: workflow.tenantId,
    conversationId: `conv-${run}-${index}`,
    workflow: { id: workflow.id, version: workflow.version, name: workflow.name },
    event: { id: `evt-${run}-${index}`, source: '/bench', type: 'conversation.message.created', time: now },
    message: { id: `msg-${index}`, role: 'contact', text },
    contact: { id: `contact-${index}`, name: 'Ada Lovelace', email: 'ada@example.com' },
    transcript: [{ role: 'contact', text, time: now }],
    match: { type: 'intent', score: 1, threshold: 0.75, phrase: 'I want to cancel' },
    firedAt: now,
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      deliveries: { type: 'string', default: '10000' },
      rate: { type: 'string', default: '1000' },
      seconds: { type: 'string', default: '15' },
      concurrency: { type: 'string', default: '50' },
      warmup: { type: 'string', default: '1000' },
      partitions: { type: 'string', default: '3' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  const deliveries = Number(values.deliveries);
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const concurrency = Number(values.concurrency);
  const warmup = Number(values.warmup);
  const partitions = Number(values.partitions);

  if (!process.env.KAFKA_BROKERS && !process.env.DATABASE_URL) await wipeLocalData('test');
  const infrastructure = await provisionInfrastructure({ profile: 'test', log });
  const receiver = await startReceiver();
  try {
    const kafka = createKafkaClient({
      brokers: infrastructure.kafkaBrokers,
      clientId: 'bench',
      logger: pino({ level: 'error' }),
    });
    await ensureTopics(kafka, ALL_TOPICS, partitions);
    const run = randomUUID().slice(0, 8);
    const workflow: WorkflowDefinition = {
      id: randomUUID(),
      tenantId: `bench-${run}`,
      name: 'Cancel subscription',
      version: 1,
      status: 'enabled',
      trigger: { type: 'intent', phrases: ['I want to cancel'] },
      action: { type: 'webhook', url: `${receiver.url}/hooks/cancel` },
      firing: { mode: 'every_time' },
      signingSecret: `whsec_${Buffer.from(randomUUID()).toString('base64')}`,
      updatedAt: new Date().toISOString(),
    };
    const body = JSON.stringify(buildWebhookPayload(sampleTrigger(workflow, 0, run), 'x', new Date()));
    log(`payload ${Buffer.byteLength(body)} bytes, ${deliveries} deliveries, concurrency ${concurrency}`);

    // (a) plain undici loop
    const agent = new Agent({ connections: concurrency });
    const postLoop = async (count: number, prefix: string) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < count) {
            next += 1;
            const response = await request(`${receiver.url}/plain`, {
              method: 'POST',
              body,
              headers: { 'content-type': 'application/json', 'webhook-id': `${prefix}-${next}` },
              dispatcher: agent,
            });
            await response.body.text();
          }
        }),
      );
    };
    await postLoop(warmup, 'plain-warmup');
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    await postLoop(deliveries, 'plain');
    const plainSeconds = (performance.now() - started) / 1000;
    const plainCpu = process.cpuUsage(cpuBefore);
    await agent.close();
    const plain = {
      seconds: plainSeconds,
      deliveriesPerSecond: deliveries / plainSeconds,
      // The loop and the receiver share this process.
      cpuMsPerDelivery: (plainCpu.user + plainCpu.system) / 1000 / deliveries,
    };
    log(
      `(a) plain undici POST loop: ${plain.deliveriesPerSecond.toFixed(0)} deliveries/s, ` +
        `${plain.cpuMsPerDelivery.toFixed(3)} ms of CPU per delivery (loop and receiver)`,
    );

    const producer = createProducer(kafka);
    await producer.connect();
    await sendChunked(producer, [jsonRecord(Topics.workflowDefinitions.name, workflow.id, workflow)]);
    const services = await startBenchServices(infrastructure, run, ['action-dispatcher'], {
      env: {
        OUTBOUND_ALLOWED_CIDRS: '127.0.0.0/8',
        WEBHOOK_MAX_CONCURRENCY_PER_ENDPOINT: String(concurrency),
      },
    });
    let dispatcher: { seconds: number; deliveriesPerSecond: number; cpuMsPerDelivery: number };
    let latency: Awaited<ReturnType<typeof measureLatency>> & { cpuMsPerDelivery: number };
    try {
      await waitFor('action-dispatcher to load the workflow', async () =>
        ((await workflowDefinitionsLoaded(services.url('action-dispatcher'))) ?? 0) >= 1 ? true : undefined,
      );
      // (b) throughput: all triggers at once, after as many untimed as the warm-up asks for
      const deliverAll = async (count: number, label: string) => {
        const triggers = Array.from({ length: count }, (_, index) => sampleTrigger(workflow, index, `${run}-${label}`));
        const before = receiver.firstSeen.size;
        await sendChunked(
          producer,
          triggers.map((trigger) => jsonRecord(Topics.workflowTriggers.name, trigger.conversationId, trigger)),
        );
        await waitFor(
          `${count} webhooks`,
          () => (receiver.firstSeen.size - before >= count ? true : undefined),
          600_000,
        );
      };
      // Each phase starts on a quiet dispatcher: every earlier execution recorded, none pending in the schedule.
      const settled = async (finished: number) => {
        const url = services.url('action-dispatcher');
        await waitFor(
          `the dispatcher to record ${finished} executions`,
          async () => {
            const succeeded = (await readMetric(url, 'aw_workflow_executions_total', { outcome: 'succeeded' })) ?? 0;
            const pending = (await readMetric(url, 'aw_pending_deliveries')) ?? 0;
            return succeeded >= finished && pending === 0 ? true : undefined;
          },
          120_000,
        );
      };
      // CPU the dispatcher spent per delivery since `before`: steadier than rates on a shared machine.
      const dispatcherCpuSeconds = () => serviceCpuSeconds(services.url('action-dispatcher'));
      const cpuMsPerDelivery = async (before: number, count: number) =>
        (((await dispatcherCpuSeconds()) - before) * 1000) / count;
      await deliverAll(warmup, 'warmup');
      await settled(warmup);
      const cpuBeforeB = await dispatcherCpuSeconds();
      const dispatchStarted = performance.now();
      await deliverAll(deliveries, 'b');
      const dispatchSeconds = (performance.now() - dispatchStarted) / 1000;
      await settled(warmup + deliveries);
      dispatcher = {
        seconds: dispatchSeconds,
        deliveriesPerSecond: deliveries / dispatchSeconds,
        cpuMsPerDelivery: await cpuMsPerDelivery(cpuBeforeB, deliveries),
      };
      log(
        `(b) action-dispatcher: ${dispatcher.deliveriesPerSecond.toFixed(0)} deliveries/s, ` +
          `${dispatcher.cpuMsPerDelivery.toFixed(3)} ms of its CPU per delivery`,
      );
      const cpuBeforeC = await dispatcherCpuSeconds();
      const measured = await measureLatency(producer, workflow, receiver.firstSeen, run, rate, seconds);
      await settled(warmup + deliveries + measured.published);
      latency = {
        ...measured,
        cpuMsPerDelivery: await cpuMsPerDelivery(cpuBeforeC, measured.published),
      };
      log(
        `(c) latency at ${rate}/s: p50 ${latency.p50Ms} ms, p99 ${latency.p99Ms} ms, max ${latency.maxMs} ms; ` +
          `from the broker's acknowledgement of the trigger: p50 ${latency.afterAck.p50Ms} ms, p99 ${latency.afterAck.p99Ms} ms; ` +
          `${latency.cpuMsPerDelivery.toFixed(3)} ms of the dispatcher's CPU per delivery`,
      );
    } finally {
      await services.stop();
      await producer.disconnect();
    }
    const result = {
      benchmark: 'delivery-throughput',
      date: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model,
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
      },
      kafka: { version: KAFKA_VERSION, mode: infrastructure.mode.kafka, partitions },
      deliveries,
      warmup,
      concurrency,
      payloadBytes: Buffer.byteLength(body),
      plainUndici: plain,
      dispatcher,
      ratio: dispatcher.deliveriesPerSecond / plain.deliveriesPerSecond,
      latency: { ratePerSecond: rate, seconds, ...latency },
    };
    const file = path.join(findRepoRoot(), 'bench', 'results', 'delivery-throughput.json');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    log(
      `ratio dispatcher ÷ plain undici = ${result.ratio.toFixed(3)}; written to ${path.relative(process.cwd(), file)}`,
    );
  } finally {
    await receiver.stop();
    await infrastructure.stop();
  }
}

/**
 * Publishes triggers at `rate` per second (in 10 ms slices) and measures publish → webhook
 * received: from the send call (the figure the target is about), and from the broker's
 * acknowledgement of the trigger, which leaves out the time the trigger spent in the benchmark's
 * own producer (one request in flight at a time, as the services' idempotent producers).
 */
async function measureLatency(
  producer: Producer,
  workflow: WorkflowDefinition,
  firstSeen: Map<string, number>,
  run: string,
  rate: number,
  seconds: number,
) {
  const total = rate * seconds;
  const perSlice = rate / 100;
  const sentAt = new Map<string, number>();
  const ackedAt = new Map<string, number>();
  const started = Date.now();
  for (let slice = 0, sent = 0; sent < total; slice += 1) {
    const wait = started + slice * 10 - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const count = Math.min(total - sent, Math.round((slice + 1) * perSlice) - sent);
    const published = Array.from({ length: count }, (_, offset) => {
      const trigger = sampleTrigger(workflow, sent + offset, `${run}-c`);
      return { trigger, executionId: executionIdOf(trigger.triggerId) };
    });
    const now = Date.now();
    for (const { executionId } of published) sentAt.set(executionId, now);
    void sendChunked(
      producer,
      published.map(({ trigger }) => jsonRecord(Topics.workflowTriggers.name, trigger.conversationId, trigger)),
    ).then(() => {
      const acked = Date.now();
      for (const { executionId } of published) ackedAt.set(executionId, acked);
    });
    sent += count;
  }
  await waitFor(
    `${total} latency webhooks`,
    () => ([...sentAt.keys()].every((id) => firstSeen.has(id) && ackedAt.has(id)) ? true : undefined),
    120_000,
  );
  const latencies = (from: Map<string, number>) =>
    [...from].map(([id, at]) => firstSeen.get(id)! - at).sort((a, b) => a - b);
  const fromSend = latencies(sentAt);
  const fromAck = latencies(ackedAt);
  return {
    published: total,
    received: fromSend.length,
    p50Ms: percentile(fromSend, 50),
    p95Ms: percentile(fromSend, 95),
    p99Ms: percentile(fromSend, 99),
    maxMs: fromSend[fromSend.length - 1]!,
    afterAck: { p50Ms: percentile(fromAck, 50), p95Ms: percentile(fromAck, 95), p99Ms: percentile(fromAck, 99) },
  };
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
