import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { ALL_TOPICS, uncontractedTopic } from '@app/contracts';
import type { Consumer, Kafka } from '@app/kafka';
import {
  findRepoRoot,
  provisionInfrastructure,
  startServices,
  wipeLocalData,
  type Infrastructure,
  type RunningServices,
  type ServiceName,
} from '@app/infra';
import { createKafkaClient, createProducer, ensureTopics, sendChunked, type OutboundRecord } from '@app/kafka';
import { waitFor } from '@app/testing';

/** What the benchmarks share: timing from the first produced record, the raw passthrough (a), the machine. */

export const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

export interface BenchInfrastructure {
  infrastructure: Infrastructure;
  kafka: Kafka;
  /** A short id of this run, for tenant ids and topic names. */
  run: string;
  /** The raw passthrough's own input and output topics. */
  raw: { in: string; out: string };
}

/**
 * Runs `measure` on the test-profile Kafka and PostgreSQL (wiped first unless they are external)
 * with the engine's topics and the raw passthrough's created with `partitions` partitions, and
 * stops them after.
 */
export async function withBenchInfrastructure<T>(
  partitions: number,
  measure: (bench: BenchInfrastructure) => Promise<T>,
): Promise<T> {
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
    return await measure({ infrastructure, kafka, run, raw });
  } finally {
    await infrastructure.stop();
  }
}

/**
 * Starts engine services as processes on the bench's Kafka and PostgreSQL, quiet (warnings only),
 * each logging to `.data/test/logs/<name>.log`; `env` adds to or overrides the defaults.
 */
export function startBenchServices(
  infrastructure: Pick<Infrastructure, 'kafkaBrokers' | 'databaseUrl'>,
  run: string,
  names: readonly ServiceName[],
  { env = {} }: { env?: Record<string, string> } = {},
): Promise<RunningServices> {
  return startServices({
    names,
    env: {
      KAFKA_BROKERS: infrastructure.kafkaBrokers.join(','),
      DATABASE_URL: infrastructure.databaseUrl,
      LOG_LEVEL: 'warn',
      INSTANCE_ID: `bench-${run}`,
      ...env,
    },
    ports: 'free',
    logDir: path.join(findRepoRoot(), '.data', 'test', 'logs'),
    log,
  });
}

export interface Measure {
  seconds: number;
  eventsPerSecond: number;
  /** CPU the measured processes spent per event (user + system), where it can be read. */
  cpuMsPerEvent?: number;
}

/** CPU seconds (user + system) a process has used so far, from /proc; undefined elsewhere than Linux. */
export function processCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined || process.platform !== 'linux') return undefined;
  // "pid (command name) S ppid …": utime and stime are the 12th and 13th fields after the name, in
  // clock ticks (USER_HZ, 100 on Linux).
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Formats a CPU figure for the log, or says that it could not be read. */
export function cpuPerEvent(measure: Measure): string {
  return measure.cpuMsPerEvent === undefined
    ? 'CPU not measured'
    : `${measure.cpuMsPerEvent.toFixed(3)} ms of CPU per event`;
}

export function machine() {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  };
}

/** Writes a benchmark's figures to bench/results/<name>.json and prints them. */
export function writeResult(name: string, result: object): void {
  const file = path.join(findRepoRoot(), 'bench', 'results', `${name}.json`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  log(`written to ${path.relative(process.cwd(), file)}`);
}

function groupJoined(consumer: Consumer): Promise<void> {
  return new Promise((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
}

/**
 * Produces all records, then waits until `done()` says `count` outputs were seen; timed from the
 * first send.
 */
export async function timeUntil(
  kafka: Kafka,
  records: OutboundRecord[],
  progress: () => Promise<number> | number,
  count: number,
  label: string,
): Promise<Measure> {
  const producer = createProducer(kafka);
  await producer.connect();
  const started = performance.now();
  await sendChunked(producer, records);
  let seen = 0;
  const report = setInterval(() => log(`${label}: ${seen}/${count}`), 2_000);
  try {
    await waitFor(
      `${count} outputs of ${label}`,
      async () => {
        seen = await progress();
        return seen >= count ? true : undefined;
      },
      600_000,
    );
  } finally {
    clearInterval(report);
  }
  const seconds = (performance.now() - started) / 1000;
  await producer.disconnect();
  return { seconds, eventsPerSecond: count / seconds };
}

/** Produces all records, then waits until `count` records were seen on `outputTopic`; timed from the first send. */
export async function timeUntilOutput(
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
  try {
    return await timeUntil(kafka, records, () => seen, count, label);
  } finally {
    await counter.disconnect();
  }
}

/**
 * (a) the bare kafkajs passthrough (bench/raw-passthrough.ts) in its own process, joined before
 * timing starts: `records` go to `topics.in`, and the same number must come out of `topics.out`.
 */
export async function measurePassthrough(
  kafka: Kafka,
  brokers: string[],
  topics: { in: string; out: string },
  records: OutboundRecord[],
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
    const cpuBefore = processCpuSeconds(worker.pid);
    const measure = await timeUntilOutput(kafka, records, topics.out, records.length, '(a) passthrough');
    const cpuAfter = processCpuSeconds(worker.pid);
    return cpuBefore === undefined || cpuAfter === undefined
      ? measure
      : { ...measure, cpuMsPerEvent: ((cpuAfter - cpuBefore) * 1000) / records.length };
  } finally {
    worker.kill('SIGTERM');
    await exited;
  }
}
