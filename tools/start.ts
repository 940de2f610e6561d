import path from 'node:path';
import { parseArgs } from 'node:util';
import { Type } from '@sinclair/typebox';
import pino from 'pino';
import { BaseEnvSchema, loadConfig } from '@app/config';
import { ALL_TOPICS } from '@app/contracts';
import {
  findRepoRoot,
  installIntentModel,
  provisionInfrastructure,
  startServices,
  SERVICE_NAMES,
  type Infrastructure,
  type RunningServices,
  DEV_ADMIN_API_TOKEN,
} from '@app/infra';
import { createKafkaClient, ensureTopics } from '@app/kafka';
import { runDemo } from './demo-scenario';

const USAGE = `usage: npm start [-- --demo]

Starts Kafka and PostgreSQL (local processes on the embedded defaults, testcontainers when a
Docker engine is reachable, or KAFKA_BROKERS / DATABASE_URL when set), creates the topics, and
runs the six services until Ctrl-C, which stops everything.

  --demo    also create a sample workflow and publish sample conversations
  --help    show this help

Service logs: .data/dev/logs/<service>.log   Wipe all local data: npm run infra -- wipe`;

const log = (line: string) => process.stderr.write(`[start] ${line}\n`);

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { demo: { type: 'boolean' }, help: { type: 'boolean' } } });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const started = Date.now();
  let infrastructure: Infrastructure | undefined;
  let services: RunningServices | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log('stopping services…');
    await services?.stop();
    log('stopping Kafka and PostgreSQL…');
    await infrastructure?.stop();
    log('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    infrastructure = await provisionInfrastructure({ profile: 'dev', log });
    const partitions = loadConfig(Type.Pick(BaseEnvSchema, ['KAFKA_TOPIC_PARTITIONS'])).KAFKA_TOPIC_PARTITIONS;
    const kafka = createKafkaClient({
      brokers: infrastructure.kafkaBrokers,
      clientId: 'start',
      logger: pino({ level: 'warn' }),
    });
    const created = await ensureTopics(kafka, ALL_TOPICS, partitions);
    log(`topics ready: ${created.length} created, ${ALL_TOPICS.length - created.length} already there`);
    log(`starting ${SERVICE_NAMES.join(', ')}…`);
    const adminToken = process.env.ADMIN_API_TOKEN ?? DEV_ADMIN_API_TOKEN;
    services = await startServices({
      env: {
        KAFKA_BROKERS: infrastructure.kafkaBrokers.join(','),
        DATABASE_URL: infrastructure.databaseUrl,
        // The embedded setup calls webhooks on this machine (the demo's receiver): allow loopback.
        OUTBOUND_ALLOWED_CIDRS: process.env.OUTBOUND_ALLOWED_CIDRS ?? '127.0.0.0/8',
        INTENT_MODEL_DIR: process.env.INTENT_MODEL_DIR ?? (await installIntentModel({ log })),
        ADMIN_API_TOKEN: adminToken,
      },
      logDir: path.join(findRepoRoot(), '.data', 'dev', 'logs'),
      log,
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    process.stdout.write(
      [
        '',
        `Agent Workflows is running (ready in ${seconds} s). Ctrl-C stops everything.`,
        '',
        `  Kafka       ${infrastructure.kafkaBrokers.join(',')}  (${infrastructure.mode.kafka})`,
        `  PostgreSQL  ${redactPassword(infrastructure.databaseUrl)}  (${infrastructure.mode.postgres})`,
        ...services.services.map((service) => `  ${service.name.padEnd(18)} ${service.url}   /health /metrics`),
        '',
        `  Issue an API key: curl -X POST -H 'Authorization: Bearer <ADMIN_API_TOKEN>' ${services.url('api')}/v1/admin/tenants/<tenant>/api-keys`,
        `  (ADMIN_API_TOKEN: ${process.env.ADMIN_API_TOKEN ? 'as set in the environment' : DEV_ADMIN_API_TOKEN})`,
        `  Try it: npm run demo     Logs: .data/dev/logs/`,
        '',
      ].join('\n'),
    );
    if (values.demo) {
      await runDemo({
        kafkaBrokers: infrastructure.kafkaBrokers,
        apiUrl: services.url('api'),
        adminToken,
        historyUrl: services.url('history'),
        triggerMatcherUrl: services.url('trigger-matcher'),
        actionDispatcherUrl: services.url('action-dispatcher'),
        log: (line) => process.stderr.write(`[demo] ${line}\n`),
      });
    }
    for (const service of services.services) {
      service.process.once('exit', (code, signal) => {
        if (stopping) return;
        log(`${service.name} exited (${signal ?? code}); see ${service.logFile}. Stopping everything.`);
        void stop(1);
      });
    }
  } catch (error) {
    log(`failed: ${error instanceof Error ? error.message : String(error)}`);
    await stop(1);
  }
}

function redactPassword(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

void main();
