import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Topics, type WorkflowExecuted } from '@app/contracts';
import { KAFKA_VERSION } from '@app/infra';
import { jsonRecord, type OutboundRecord } from '@app/kafka';
import { messageCreatedEvent, readMetric, serviceCpuSeconds } from '@app/testing';
import {
  cpuPerEvent,
  log,
  machine,
  measurePassthrough,
  startBenchServices,
  timeUntil,
  withBenchInfrastructure,
  writeResult,
  type Measure,
} from './harness';

const USAGE = `usage: node dist/bench/history-vs-passthrough.js [--records N] [--partitions P]

History's ingestion against the yardstick, measured in one run on one broker:
  (a) raw kafkajs passthrough of the same conversation events (bench/raw-passthrough.ts);
  (b) history storing N validated conversation events (for backtests) in PostgreSQL;
  (c) history storing N execution results (the execution log), each a final result with its
      attempt and the trigger it carried out, one execution in ten with a retrying result first.
Each timed from the first produced record to the last one committed (history's
aw_events_consumed_total). Writes bench/results/history-vs-passthrough.json.`;

/** `count` message events of one tenant, each of its own conversation. */
function eventRecords(topic: string, count: number, tenantId: string, prefix: string): OutboundRecord[] {
  return Array.from({ length: count }, (_, index) => {
    const event = messageCreatedEvent(tenantId, `${prefix}-${index}`, "hi, I'd like to cancel my subscription please");
    return jsonRecord(topic, event.subject, event);
  });
}

/** Results of executions, `count` records in all: every tenth execution retried once before it succeeded. */
function executionRecords(count: number, tenantId: string): OutboundRecord[] {
  const workflowId = randomUUID();
  const records: OutboundRecord[] = [];
  for (let index = 0; records.length < count; index += 1) {
    const conversationId = `conv-${index}`;
    const event = messageCreatedEvent(tenantId, conversationId, 'cancel my order');
    const at = new Date().toISOString();
    const result = (status: WorkflowExecuted['status'], attempts: number): WorkflowExecuted => ({
      executionId: `${tenantId}-execution-${index}`,
      triggerId: `${tenantId}-trigger-${index}`,
      tenantId,
      conversationId,
      workflowId,
      workflowVersion: 1,
      actionType: 'webhook',
      status,
      attempts: Array.from({ length: attempts }, (_, attempt) => ({
        number: attempt + 1,
        startedAt: at,
        durationMs: 4,
        statusCode: attempt + 1 < attempts || status !== 'succeeded' ? 503 : 200,
      })),
      eventTime: event.time,
      startedAt: at,
      finishedAt: at,
      latencyMs: 4,
      ...(status === 'succeeded'
        ? {
            trigger: {
              triggerId: `${tenantId}-trigger-${index}`,
              tenantId,
              conversationId,
              workflow: { id: workflowId, name: 'Cancel order', version: 1 },
              event: { id: event.id, source: event.source, type: event.type, time: event.time },
              message: { id: event.data.messageId, role: 'contact', text: event.data.text },
              match: { type: 'intent', score: 0.91, threshold: 0.75, phrase: 'cancel my order' },
              firedAt: at,
            },
          }
        : { reason: 'HTTP 503', nextAttemptAt: at }),
    });
    const results = index % 10 === 0 ? [result('retrying', 1), result('succeeded', 2)] : [result('succeeded', 1)];
    for (const value of results.slice(0, count - records.length)) {
      records.push(jsonRecord(Topics.workflowExecutions.name, conversationId, value));
    }
  }
  return records;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      records: { type: 'string', default: '30000' },
      partitions: { type: 'string', default: '3' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  const count = Number(values.records);
  const partitions = Number(values.partitions);
  if (!Number.isInteger(count) || count < 100) throw new Error('--records must be an integer ≥ 100');
  if (!Number.isInteger(partitions) || partitions < 1) throw new Error('--partitions must be a positive integer');

  await withBenchInfrastructure(partitions, async ({ infrastructure, kafka, run, raw }) => {
    const tenantId = `bench-${run}`;
    log(`${count} records of each kind, ${partitions} partitions`);
    const passthrough = await measurePassthrough(
      kafka,
      infrastructure.kafkaBrokers,
      raw,
      eventRecords(raw.in, count, tenantId, `raw-${run}`),
    );
    log(`(a) raw passthrough: ${passthrough.eventsPerSecond.toFixed(0)} records/s, ${cpuPerEvent(passthrough)}`);

    const services = await startBenchServices(infrastructure, run, ['history']);
    let events: Measure;
    let executions: Measure;
    try {
      const url = services.url('history');
      /** Times history through `records` of `topic`, with the CPU it spent per record. */
      const measure = async (topic: string, records: OutboundRecord[], label: string): Promise<Measure> => {
        const consumedBefore = (await readMetric(url, 'aw_events_consumed_total', { topic })) ?? 0;
        const cpuBefore = await serviceCpuSeconds(url);
        const measured = await timeUntil(
          kafka,
          records,
          async () => ((await readMetric(url, 'aw_events_consumed_total', { topic })) ?? 0) - consumedBefore,
          records.length,
          label,
        );
        const cpuMsPerEvent = ((await serviceCpuSeconds(url)) - cpuBefore) * (1000 / records.length);
        return { ...measured, cpuMsPerEvent };
      };
      events = await measure(
        Topics.validatedEvents.name,
        eventRecords(Topics.validatedEvents.name, count, tenantId, `history-${run}`),
        '(b) history: conversation events',
      );
      log(`(b) history, conversation events: ${events.eventsPerSecond.toFixed(0)} records/s, ${cpuPerEvent(events)}`);
      executions = await measure(
        Topics.workflowExecutions.name,
        executionRecords(count, tenantId),
        '(c) history: execution results',
      );
      log(
        `(c) history, execution results: ${executions.eventsPerSecond.toFixed(0)} records/s, ${cpuPerEvent(executions)}`,
      );
    } finally {
      await services.stop();
    }
    const result = {
      benchmark: 'history-vs-passthrough',
      date: new Date().toISOString(),
      machine: machine(),
      kafka: { version: KAFKA_VERSION, mode: infrastructure.mode.kafka, partitions },
      records: count,
      passthrough,
      events,
      executions,
      eventsRatio: events.eventsPerSecond / passthrough.eventsPerSecond,
      executionsRatio: executions.eventsPerSecond / passthrough.eventsPerSecond,
    };
    writeResult('history-vs-passthrough', result);
    log(
      `ratios ÷ passthrough: conversation events ${result.eventsRatio.toFixed(3)}, execution results ${result.executionsRatio.toFixed(3)}`,
    );
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
