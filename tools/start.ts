import path from 'node:path';
import { parseArgs } from 'node:util';
import { Type } from '@sinclair/typebox';
import pino from 'pino';
import { BaseEnvSchema, loadConfig } from '@app/config';
import { ALL_TOPICS } from '@app/contracts';
import {
  findMonitoringTools,
  findRepoRoot,
  installIntentModel,
  provisionInfrastructure,
  startMonitoringStack,
  startServices,
  SERVICE_NAMES,
  type Infrastructure,
  type MonitoringStack,
  type RunningServices,
  DEV_ADMIN_API_TOKEN,
} from '@app/infra';
import { createKafkaClient, ensureTopics } from '@app/kafka';
import { runDemo } from './demo-scenario';

const USAGE = `usage: npm start [-- --demo]

Starts Kafka and PostgreSQL (local processes on the embedded defaults, testcontainers when a
Docker engine is reachable, or KAFKA_BROKERS / DATABASE_URL when set), creates the topics, and
runs the six services until Ctrl-C, which stops everything. When Debian's prometheus and
prometheus-alertmanager are installed, Prometheus (port PROMETHEUS_PORT, 9090) and Alertmanager
(ALERTMANAGER_PORT, 9093) run beside them with the rules and routing of deploy/.

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
  let provisioning: Promise<Infrastructure> | undefined;
  let services: RunningServices | undefined;
  let monitoring: MonitoringStack | undefined;
  let stopping = false;
  // Each step is tried whatever the others did: Kafka and PostgreSQL run detached, and must not outlive this.
  const attempt = async (what: string, step: () => Promise<unknown>) => {
    try {
      await step();
    } catch (error) {
      log(`${what} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await attempt('stopping monitoring', async () => monitoring?.stop());
    log('stopping services…');
    await attempt('stopping services', async () => services?.stop());
    // A stop while they are starting waits for them to be up, then stops them.
    const infrastructure = await provisioning?.catch(() => undefined);
    log('stopping Kafka and PostgreSQL…');
    await attempt('stopping Kafka and PostgreSQL', async () => infrastructure?.stop());
    log('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    provisioning = provisionInfrastructure({ profile: 'dev', log });
    const infrastructure = await provisioning;
    if (stopping) return;
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
    monitoring = await startMonitoring(services);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    process.stdout.write(
      [
        '',
        `Agent Workflows is running (ready in ${seconds} s). Ctrl-C stops everything.`,
        '',
        `  Kafka       ${infrastructure.kafkaBrokers.join(',')}  (${infrastructure.mode.kafka})`,
        `  PostgreSQL  ${redactPassword(infrastructure.databaseUrl)}  (${infrastructure.mode.postgres})`,
        ...services.services.map((service) => `  ${service.name.padEnd(18)} ${service.url}   /health /metrics`),
        ...(monitoring
          ? [
              `  Prometheus         ${monitoring.prometheus.url}   alerts: ${monitoring.prometheus.url}/alerts`,
              `  Alertmanager       ${monitoring.alertmanager.url}`,
            ]
          : ['  Prometheus, Alertmanager: not running (apt-get install prometheus prometheus-alertmanager)']),
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

/**
 * Prometheus and Alertmanager beside the services, with the rules and routing of deploy/ (alerts
 * reach Alertmanager's UI; its receivers are placeholders until configured), when installed. A
 * monitoring stack that cannot start is reported and left out: the system runs without it.
 */
async function startMonitoring(services: RunningServices): Promise<MonitoringStack | undefined> {
  const tools = findMonitoringTools();
  if (!tools) return undefined;
  const root = findRepoRoot();
  const ports = loadConfig(MonitoringPortsSchema);
  try {
    return await startMonitoringStack({
      tools,
      dataDir: path.join(root, '.data', 'dev', 'monitoring'),
      ports: { prometheus: ports.PROMETHEUS_PORT, alertmanager: ports.ALERTMANAGER_PORT },
      targets: services.services.map((service) => ({ name: service.name, url: service.url })),
      ruleFiles: ['recording.yml', 'alerts.yml'].map((file) => path.join(root, 'deploy', 'prometheus', 'rules', file)),
      alertmanagerConfigFile: path.join(root, 'deploy', 'alertmanager', 'alertmanager.yml'),
      interval: '5s',
      log,
    });
  } catch (error) {
    log(`Prometheus and Alertmanager not started: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

const MonitoringPortsSchema = Type.Object({
  PROMETHEUS_PORT: Type.Integer({
    minimum: 1,
    maximum: 65535,
    default: 9090,
    description: 'npm start: Prometheus port.',
  }),
  ALERTMANAGER_PORT: Type.Integer({
    minimum: 1,
    maximum: 65535,
    default: 9093,
    description: 'npm start: Alertmanager port.',
  }),
});

function redactPassword(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

void main();
