import { randomUUID } from 'node:crypto';
import path from 'node:path';
import pino from 'pino';
import { findRepoRoot, startServices, type RunningServices, type ServiceName } from '@app/infra';
import type { CreatedWorkflowView } from '@app/contracts';
import { createKafkaClient, createProducer, type Kafka, type Producer } from '@app/kafka';
import { workflowDefinitionsLoaded } from './metrics-probe';
import { issueTenantApiKey, tenantApiServices, waitUntilApiKeyAccepted } from './tenant-access';
import { waitFor } from './wait-for';

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
  /**
   * The HTTP headers that authenticate a request as `tenantId` to every service: `Authorization`
   * with an API key of the tenant, issued on first use (through the api's admin route) and cached,
   * once every running HTTP service accepts it.
   */
  tenantHeaders(tenantId: string): Promise<Record<string, string>>;
  /** The operator token (ADMIN_API_TOKEN) the services run with. */
  adminToken: string;
  /** The operator token's header, for the api's /v1/admin routes. */
  adminHeaders(): Record<string, string>;
  /**
   * Creates a workflow as `tenantId` (201 expected) and waits until the running data-plane readers
   * of workflow.definitions (trigger-matcher, action-dispatcher, history) hold it.
   */
  createWorkflow(tenantId: string, body: unknown): Promise<CreatedWorkflowView>;
  stop(): Promise<void>;
}

/**
 * An e2e suite's system: the compiled services as processes on the provisioned Kafka and
 * PostgreSQL, on free ports picked at random (`freePorts`), each suite with its own instance id and log folder
 * (`.data/test/logs-<suite>`), and a producer.
 */
export async function startSystemUnderTest(options: {
  suite: string;
  names?: ServiceName[];
  env?: Record<string, string>;
  /** A broker of the suite's own instead of the provisioned one (a suite that restarts it). */
  kafkaBrokers?: string;
}): Promise<SystemUnderTest> {
  const adminToken = `e2e-admin-${randomUUID()}`;
  const kafkaBrokers = options.kafkaBrokers ?? provisioned('KAFKA_BROKERS');
  const services = await startServices({
    ...(options.names ? { names: options.names } : {}),
    env: {
      KAFKA_BROKERS: kafkaBrokers,
      DATABASE_URL: provisioned('DATABASE_URL'),
      OUTBOUND_ALLOWED_CIDRS: '127.0.0.0/8',
      INSTANCE_ID: `e2e-${options.suite}-${randomUUID().slice(0, 8)}`,
      LOG_LEVEL: 'info',
      ADMIN_API_TOKEN: adminToken,
      ...options.env,
    },
    ports: 'free',
    logDir: path.join(findRepoRoot(), '.data', 'test', `logs-${options.suite}`),
    log: (line) => process.stderr.write(`[e2e ${options.suite}] ${line}\n`),
  });
  const kafka = createKafkaClient({
    brokers: kafkaBrokers.split(','),
    clientId: `e2e-${options.suite}`,
    logger: pino({ level: 'warn' }),
  });
  const producer = createProducer(kafka);
  await producer.connect();
  const keys = new Map<string, Promise<string>>();
  const apiKeyOf = (tenantId: string): Promise<string> => {
    let key = keys.get(tenantId);
    if (!key) {
      key = (async () => {
        const issued = await issueTenantApiKey(services.url('api'), adminToken, tenantId);
        await waitUntilApiKeyAccepted(tenantApiServices(services.services), issued);
        return issued;
      })();
      keys.set(tenantId, key);
    }
    return key;
  };
  const definitionReaders = () =>
    services.services.filter(
      ({ name }) => name === 'trigger-matcher' || name === 'action-dispatcher' || name === 'history',
    );
  const tenantHeaders = async (tenantId: string) => ({ authorization: `Bearer ${await apiKeyOf(tenantId)}` });
  return {
    services,
    kafka,
    producer,
    tenantHeaders,
    adminToken,
    adminHeaders: () => ({ authorization: `Bearer ${adminToken}` }),
    async createWorkflow(tenantId, body) {
      const before = await Promise.all(
        definitionReaders().map(async (service) => (await workflowDefinitionsLoaded(service.url)) ?? 0),
      );
      const response = await fetch(`${services.url('api')}/v1/workflows`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(await tenantHeaders(tenantId)) },
        body: JSON.stringify(body),
      });
      if (response.status !== 201) {
        throw new Error(`creating a workflow failed: ${response.status} ${await response.text()}`);
      }
      const created = (await response.json()) as CreatedWorkflowView;
      for (const [index, service] of definitionReaders().entries()) {
        await waitFor(`${service.name} to load workflow ${created.id}`, async () =>
          ((await workflowDefinitionsLoaded(service.url)) ?? 0) > (before[index] ?? 0) ? true : undefined,
        );
      }
      return created;
    },
    async stop() {
      await producer.disconnect();
      await services.stop();
    },
  };
}
