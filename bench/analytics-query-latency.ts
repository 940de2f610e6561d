import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Pool } from 'pg';
import pino from 'pino';
import { ALL_TOPICS } from '@app/contracts';
import { provisionInfrastructure, wipeLocalData } from '@app/infra';
import { createKafkaClient, ensureTopics } from '@app/kafka';
import { startSystemUnderTest } from '@app/testing';
import { log, machine, writeResult } from './harness';

const USAGE = `usage: node dist/bench/analytics-query-latency.js [--names K] [--days D] [--iterations N]

Analyst query latency over a month of minute-level data: K signals (default 100) with a count in
every minute of D days (default 30), written with their hour and day rollups straight into
signal-aggregator's tables; then each analyst query, N times (default 200) over HTTP against the
running service, one at a time, with a random signal each time. Target: p99 under 100 ms.
For comparison, the same month read by rolling minute rows up at query time (date_trunc), as the
alternative to the materialised rollups. Writes bench/results/analytics-query-latency.json.`;

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

function percentiles(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return { p50: round(at(0.5)), p95: round(at(0.95)), p99: round(at(0.99)), max: round(sorted[sorted.length - 1]!) };
}

async function timed(iterations: number, work: () => Promise<void>) {
  for (let i = 0; i < Math.min(20, iterations); i += 1) await work();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i += 1) {
    const started = performance.now();
    await work();
    samples.push(performance.now() - started);
  }
  return percentiles(samples);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      names: { type: 'string', default: '100' },
      days: { type: 'string', default: '30' },
      iterations: { type: 'string', default: '200' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  const names = Number(values.names);
  const days = Number(values.days);
  const iterations = Number(values.iterations);
  for (const [flag, value] of Object.entries({ names, days, iterations })) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${flag} must be a positive integer`);
  }

  if (!process.env.KAFKA_BROKERS && !process.env.DATABASE_URL) await wipeLocalData('test');
  const infrastructure = await provisionInfrastructure({ profile: 'test', log });
  process.env.KAFKA_BROKERS = infrastructure.kafkaBrokers.join(',');
  process.env.DATABASE_URL = infrastructure.databaseUrl;
  const pool = new Pool({ connectionString: infrastructure.databaseUrl, max: 2 });
  try {
    const kafka = createKafkaClient({
      brokers: infrastructure.kafkaBrokers,
      clientId: 'bench',
      logger: pino({ level: 'error' }),
    });
    await ensureTopics(kafka, ALL_TOPICS, 3);
    // The service runs its migrations, so its tables exist before the data goes in.
    const system = await startSystemUnderTest({
      suite: 'bench-analytics',
      // The api issues the tenant's API key (SystemUnderTest.tenantHeaders).
      names: ['api', 'signal-aggregator'],
      env: { LOG_LEVEL: 'warn' },
    });
    try {
      const tenantId = `bench-${randomUUID().slice(0, 8)}`;
      const workflowId = randomUUID();
      const to = new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS);
      const from = new Date(to.getTime() - days * DAY_MS);
      const loadStarted = performance.now();
      await pool.query(
        `INSERT INTO signal_aggregator.window_counts (tenant_id, kind, granularity, name, window_start, workflow_id, count)
         SELECT $1, 'signal', 'minute', 'signal-' || s, t, $2, 1 + (random() * 5)::int
         FROM generate_series(0, $3 - 1) AS s,
              generate_series($4::timestamptz, $5::timestamptz - interval '1 minute', interval '1 minute') AS t`,
        [tenantId, workflowId, names, from, to],
      );
      for (const granularity of ['hour', 'day']) {
        await pool.query(
          `INSERT INTO signal_aggregator.window_counts (tenant_id, kind, granularity, name, window_start, workflow_id, count)
           SELECT tenant_id, kind, $2::text, name, date_trunc($2::text, window_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
             workflow_id, sum(count)
           FROM signal_aggregator.window_counts WHERE tenant_id = $1 AND granularity = 'minute'
           GROUP BY 1, 2, 3, 4, 5, 6`,
          [tenantId, granularity],
        );
      }
      await pool.query('ANALYZE signal_aggregator.window_counts');
      const minuteRows = names * days * 24 * 60;
      const loadSeconds = (performance.now() - loadStarted) / 1000;
      log(`loaded ${minuteRows} minute rows (+ rollups) in ${loadSeconds.toFixed(1)} s`);

      const url = system.services.url('signal-aggregator');
      const headers = await system.tenantHeaders(tenantId);
      const randomName = () => `signal-${Math.floor(Math.random() * names)}`;
      const call = async (path: string, params: Record<string, string>) => {
        const response = await fetch(`${url}/v1/analytics/${path}?${new URLSearchParams(params)}`, { headers });
        if (response.status !== 200) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
        await response.text();
      };
      const month = { from: from.toISOString(), to: to.toISOString() };
      const lastDay = { from: new Date(to.getTime() - DAY_MS + 7 * MINUTE_MS).toISOString(), to: to.toISOString() };
      const lastThreeDays = { from: new Date(to.getTime() - 3 * DAY_MS).toISOString(), to: to.toISOString() };
      const lastDayUnaligned = {
        from: new Date(to.getTime() - DAY_MS - 13 * MINUTE_MS).toISOString(),
        to: new Date(to.getTime() - 13 * MINUTE_MS).toISOString(),
      };
      const queries: Record<string, () => Promise<void>> = {
        'series, day, month': () =>
          call('series', { kind: 'signal', name: randomName(), granularity: 'day', ...month }),
        'series, hour, month': () =>
          call('series', { kind: 'signal', name: randomName(), granularity: 'hour', ...month }),
        'series, minute, one day': () =>
          call('series', { kind: 'signal', name: randomName(), granularity: 'minute', ...lastDay }),
        'series, minute, three days (4,320 points, the most one answer has)': () =>
          call('series', { kind: 'signal', name: randomName(), granularity: 'minute', ...lastThreeDays }),
        'top 10 with trend, month': () => call('top', { kind: 'signal', limit: '10', ...month }),
        'top 10 with trend, 24 h not on hour boundaries': () =>
          call('top', { kind: 'signal', limit: '10', ...lastDayUnaligned }),
        'top 10 with trend, month, CSV': () => call('top', { kind: 'signal', limit: '10', format: 'csv', ...month }),
        'breakdown by workflow, month': () => call('breakdown', { name: randomName(), ...month }),
      };
      const results: Record<string, ReturnType<typeof percentiles>> = {};
      for (const [label, query] of Object.entries(queries)) {
        results[label] = await timed(iterations, query);
        log(`${label}: ${JSON.stringify(results[label])} ms`);
      }

      // The alternative: roll minute rows up at query time.
      const onQueryIterations = Math.max(5, Math.floor(iterations / 20));
      const onQuery = {
        'series, hour, month from minute rows (date_trunc)': await timed(onQueryIterations, async () => {
          await pool.query(
            `SELECT date_trunc('hour', window_start AT TIME ZONE 'UTC'), sum(count) FROM signal_aggregator.window_counts
             WHERE tenant_id = $1 AND kind = 'signal' AND granularity = 'minute' AND name = $2
               AND window_start >= $3 AND window_start < $4 GROUP BY 1`,
            [tenantId, randomName(), from, to],
          );
        }),
        'top 10, month from minute rows': await timed(onQueryIterations, async () => {
          await pool.query(
            `SELECT name, sum(count) FROM signal_aggregator.window_counts
             WHERE tenant_id = $1 AND kind = 'signal' AND granularity = 'minute' AND window_start >= $2 AND window_start < $3
             GROUP BY name ORDER BY 2 DESC LIMIT 10`,
            [tenantId, from, to],
          );
        }),
      };
      for (const [label, figures] of Object.entries(onQuery)) log(`${label}: ${JSON.stringify(figures)} ms`);

      const worstP99 = Math.max(...Object.values(results).map((figures) => figures.p99));
      writeResult('analytics-query-latency', {
        benchmark: 'analytics-query-latency',
        date: new Date().toISOString(),
        machine: machine(),
        data: { names, days, minuteRows, loadSeconds },
        iterations,
        latencyMs: results,
        rolledUpAtQueryTimeMs: onQuery,
        worstP99Ms: worstP99,
        targetP99Ms: 100,
      });
      log(`worst p99 ${worstP99} ms (target < 100 ms)`);
    } finally {
      await system.stop();
    }
  } finally {
    await pool.end();
    await infrastructure.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
