import { randomUUID } from 'node:crypto';
import path from 'node:path';
import pino from 'pino';
import { findRepoRoot, startServices, type RunningServices, type ServiceName } from '@app/infra';
import { createKafkaClient, createProducer, type Kafka, type Producer } from '@app/kafka';

/** A variable the jest global setup sets for every test file (the provisioned Kafka and PostgreSQL). */
export function provisioned(name: 'KAFKA_BROKERS' | 'DATABASE_URL'): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: the jest global setup provisions it`);
  return value;
}

export interface SystemUnderTest {
  services: RunningServices;
  kafka: Kafka;
  /** Connected; publishes what platforms would. */
  producer: Producer;
  /** The HTTP headers that authenticate a request as `tenantId` to the api, history and signal-aggregator. */
  tenantHeaders(tenantId: string): Promise<Record<string, string>>;
  stop(): Promise<void>;
}

/**
 * An e2e suite's system: the compiled services as processes on the provisioned Kafka and
 * PostgreSQL, each suite on its own ports (`portOffset`) with its own instance id and log folder
 * (`.data/test/logs-<suite>`), and a producer.
 */
export async function startSystemUnderTest(options: {
  suite: string;
  portOffset: number;
  names?: ServiceName[];
  env?: Record<string, string>;
}): Promise<SystemUnderTest> {
  const services = await startServices({
    ...(options.names ? { names: options.names } : {}),
    env: {
      KAFKA_BROKERS: provisioned('KAFKA_BROKERS'),
      DATABASE_URL: provisioned('DATABASE_URL'),
      OUTBOUND_ALLOWED_CIDRS: '127.0.0.0/8',
      INSTANCE_ID: `e2e-${options.suite}-${randomUUID().slice(0, 8)}`,
      LOG_LEVEL: 'info',
      ...options.env,
    },
    portOffset: options.portOffset,
    logDir: path.join(findRepoRoot(), '.data', 'test', `logs-${options.suite}`),
    log: (line) => process.stderr.write(`[e2e ${options.suite}] ${line}\n`),
  });
  const kafka = createKafkaClient({
    brokers: provisioned('KAFKA_BROKERS').split(','),
    clientId: `e2e-${options.suite}`,
    logger: pino({ level: 'warn' }),
  });
  const producer = createProducer(kafka);
  await producer.connect();
  return {
    services,
    kafka,
    producer,
    tenantHeaders: (tenantId) => Promise.resolve({ 'x-tenant-id': tenantId }),
    async stop() {
      await producer.disconnect();
      await services.stop();
    },
  };
}
