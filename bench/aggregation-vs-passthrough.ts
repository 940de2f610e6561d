import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Topics, type SignalApplied } from '@app/contracts';
import { KAFKA_VERSION } from '@app/infra';
import { jsonRecord, type OutboundRecord } from '@app/kafka';
import { readMetric } from '@app/testing';
import {
  log,
  machine,
  measurePassthrough,
  startBenchServices,
  timeUntil,
  withBenchInfrastructure,
  writeResult,
} from './harness';

const USAGE = `usage: node dist/bench/aggregation-vs-passthrough.js [--signals N] [--partitions P] [--names K]

Aggregation throughput against the yardstick, measured in one run on one broker:
  (a) raw kafkajs passthrough of the same signal records (bench/raw-passthrough.ts);
  (b) signal-aggregator counting them from conversation.signals into minute/hour/day windows in
      PostgreSQL, exactly once (record ids and counts in one transaction per batch).
Both timed from the first produced record to the last one done (for (b): committed, read from its
aw_events_consumed_total). Writes bench/results/aggregation-vs-passthrough.json.`;

/** `count` signals of one tenant, over `names` names and the last five minutes, each of its own conversation. */
function signalRecords(topic: string, count: number, tenantId: string, names: number): OutboundRecord[] {
  const now = Date.now();
  return Array.from({ length: count }, (_, index) => {
    const signal: SignalApplied = {
      signalId: randomUUID(),
      tenantId,
      conversationId: `conv-${index}`,
      name: `signal-${index % names}`,
      workflowId: '00000000-0000-4000-8000-000000000001',
      time: new Date(now - (index % 300) * 1000).toISOString(),
    };
    return jsonRecord(topic, signal.conversationId, signal);
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      signals: { type: 'string', default: '30000' },
      partitions: { type: 'string', default: '3' },
      names: { type: 'string', default: '100' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  const signals = Number(values.signals);
  const partitions = Number(values.partitions);
  const names = Number(values.names);
  if (!Number.isInteger(signals) || signals < 100) throw new Error('--signals must be an integer ≥ 100');
  if (!Number.isInteger(partitions) || partitions < 1) throw new Error('--partitions must be a positive integer');
  if (!Number.isInteger(names) || names < 1) throw new Error('--names must be a positive integer');

  await withBenchInfrastructure(partitions, async ({ infrastructure, kafka, run, raw }) => {
    const tenantId = `bench-${run}`;
    const sample = signalRecords(raw.in, 1, tenantId, names)[0]!;
    const recordBytes = Buffer.byteLength(String(sample.value));
    log(`signal size ${recordBytes} bytes, ${signals} signals over ${names} names, ${partitions} partitions`);

    const passthrough = await measurePassthrough(
      kafka,
      infrastructure.kafkaBrokers,
      raw,
      signalRecords(raw.in, signals, tenantId, names),
    );
    log(`(a) raw passthrough: ${passthrough.eventsPerSecond.toFixed(0)} signals/s`);

    const services = await startBenchServices(infrastructure, run, ['signal-aggregator']);
    let aggregation;
    let batches: number;
    try {
      const url = services.url('signal-aggregator');
      const consumed = async () =>
        (await readMetric(url, 'aw_events_consumed_total', { topic: Topics.conversationSignals.name })) ?? 0;
      aggregation = await timeUntil(
        kafka,
        signalRecords(Topics.conversationSignals.name, signals, tenantId, names),
        consumed,
        signals,
        '(b) signal-aggregator',
      );
      batches =
        (await readMetric(url, 'aw_kafka_batch_duration_seconds_count', { topic: Topics.conversationSignals.name })) ??
        0;
    } finally {
      await services.stop();
    }
    log(`(b) signal-aggregator: ${aggregation.eventsPerSecond.toFixed(0)} signals/s in ${batches} batches`);
    const result = {
      benchmark: 'aggregation-vs-passthrough',
      date: new Date().toISOString(),
      machine: machine(),
      kafka: { version: KAFKA_VERSION, mode: infrastructure.mode.kafka, partitions },
      signals,
      names,
      recordBytes,
      passthrough,
      aggregation: { ...aggregation, batches },
      ratio: aggregation.eventsPerSecond / passthrough.eventsPerSecond,
    };
    writeResult('aggregation-vs-passthrough', result);
    log(`ratio aggregation ÷ passthrough = ${result.ratio.toFixed(3)}`);
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
