import { KAFKA_BROKER_SETTINGS, KAFKA_VERSION, type LocalKafka } from './local-kafka';
import { LOCAL_DATABASE_NAME, type LocalPostgres } from './local-postgres';
import { secondsSince } from './processes';

/*
 * Kafka and PostgreSQL as throwaway containers, for machines with a Docker
 * engine. testcontainers is loaded with import() when provisioning asks for
 * it, so that code merely importing @app/infra (services, test workers) never
 * loads it, and an install without dev dependencies just finds no engine.
 */

interface ContainerOptions {
  log: (line: string) => void;
}

const KAFKA_IMAGE = `apache/kafka:${KAFKA_VERSION}`;
const POSTGRES_IMAGE = 'postgres:18';
const STARTUP_TIMEOUT_MS = 180_000;

/** Whether a container engine answers; false too when testcontainers is not installed. */
export async function isContainerRuntimeReachable(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts a single-node KRaft Kafka container on host port `port`.
 *
 * Not @testcontainers/kafka's KafkaContainer: as of 11.8 it drives Confluent
 * images only (apache/kafka has no /etc/confluent/docker/run). The apache/kafka
 * image is configured through KAFKA_* variables instead. Clients must be
 * handed an address they can reach, which is fixed before the container
 * starts; hence a fixed host port rather than a random one.
 */
export async function startKafkaContainer({ port, log }: ContainerOptions & { port: number }): Promise<LocalKafka> {
  const { GenericContainer, Wait, getContainerRuntimeClient } = await import('testcontainers');
  const host = (await getContainerRuntimeClient()).info.containerRuntime.host;
  log(`starting a ${KAFKA_IMAGE} container…`);
  const startedAt = Date.now();
  const container = await new GenericContainer(KAFKA_IMAGE)
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://localhost:9093',
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${host}:${port}`,
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      ...kafkaImageEnvironment(KAFKA_BROKER_SETTINGS),
    })
    .withExposedPorts({ container: 9092, host: port })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .withStartupTimeout(STARTUP_TIMEOUT_MS)
    .start();
  const broker = `${host}:${port}`;
  log(`kafka container ready on ${broker} (${secondsSince(startedAt)})`);
  return { brokers: [broker], stop: async () => void (await container.stop()) };
}

/** The apache/kafka image reads broker settings from KAFKA_* variables: `a.b.c` is KAFKA_A_B_C. */
function kafkaImageEnvironment(settings: Readonly<Record<string, string | number | boolean>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(settings).map(([key, value]) => [`KAFKA_${key.toUpperCase().replaceAll('.', '_')}`, String(value)]),
  );
}

export async function startPostgresContainer({ log }: ContainerOptions): Promise<LocalPostgres> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  log(`starting a ${POSTGRES_IMAGE} container…`);
  const startedAt = Date.now();
  const container = await new PostgreSqlContainer(POSTGRES_IMAGE)
    .withDatabase(LOCAL_DATABASE_NAME)
    .withUsername('postgres')
    .withPassword('postgres')
    .withStartupTimeout(STARTUP_TIMEOUT_MS)
    .start();
  log(`postgres container ready on ${container.getHost()}:${container.getPort()} (${secondsSince(startedAt)})`);
  return { databaseUrl: container.getConnectionUri(), stop: async () => void (await container.stop()) };
}
