import path from 'node:path';
import { isContainerRuntimeReachable, startKafkaContainer, startPostgresContainer } from './docker-infra';
import { startLocalKafka, stopLeftoverKafka, type LocalKafka } from './local-kafka';
import { startLocalPostgres, stopLeftoverPostgres, type LocalPostgres } from './local-postgres';
import { errorMessage, freePorts, once, wipeServersFolder } from './processes';
import { localDataRoot } from './repo-paths';

/**
 * dev: what `npm start` runs on, on fixed ports. test: what the test suites
 * and benchmarks run on, on free ports picked at random (a machine that runs CI may
 * already use any fixed port). Separate data and ports let the tests run while
 * `npm start` does.
 */
export type InfraProfile = 'dev' | 'test';

/**
 * external: named by the environment and left alone. testcontainers: throwaway
 * containers on a Docker engine. local: processes on this machine.
 */
export type ProvisionMode = 'external' | 'testcontainers' | 'local';

export interface Infrastructure {
  kafkaBrokers: string[];
  databaseUrl: string;
  mode: { kafka: ProvisionMode; postgres: ProvisionMode };
  /** Stops what was started here; external services stay as they are. */
  stop(): Promise<void>;
}

export interface ProvisionOptions {
  profile: InfraProfile;
  log: (line: string) => void;
}

const DEV_PORTS = { kafka: 19092, postgres: 15432 };

/**
 * Provides a Kafka and a PostgreSQL, each chosen on its own: the one named by
 * KAFKA_BROKERS (comma-separated) / DATABASE_URL when set; else a container
 * when a Docker engine answers; else a local process with its data under
 * `.data/<profile>`, on ports overridable by LOCAL_KAFKA_PORT (the KRaft
 * controller takes the next port) and LOCAL_POSTGRES_PORT.
 */
export async function provisionInfrastructure({ profile, log }: ProvisionOptions): Promise<Infrastructure> {
  const externalBrokers = parseBrokerList(process.env.KAFKA_BROKERS);
  const externalDatabaseUrl = nonEmpty(process.env.DATABASE_URL);
  const ports = await localPorts(profile);
  const dataDir = profileDataDir(profile);

  const needsProvisioning = externalBrokers === undefined || externalDatabaseUrl === undefined;
  const provisionedMode: ProvisionMode =
    needsProvisioning && (await isContainerRuntimeReachable()) ? 'testcontainers' : 'local';
  const leaveAlone = async (): Promise<void> => undefined;

  const startKafka = (): Promise<LocalKafka> => {
    if (externalBrokers !== undefined) {
      return Promise.resolve({ brokers: externalBrokers, stop: leaveAlone });
    }
    if (provisionedMode === 'testcontainers') {
      return startKafkaContainer({ port: ports.kafka, log });
    }
    const kafkaDataDir = path.join(dataDir, 'kafka');
    return startLocalKafka({ dataDir: kafkaDataDir, port: ports.kafka, controllerPort: ports.kafkaController, log });
  };
  const startPostgres = (): Promise<LocalPostgres> => {
    if (externalDatabaseUrl !== undefined) {
      return Promise.resolve({ databaseUrl: externalDatabaseUrl, stop: leaveAlone });
    }
    if (provisionedMode === 'testcontainers') {
      return startPostgresContainer({ log });
    }
    return startLocalPostgres({ dataDir: path.join(dataDir, 'postgres'), port: ports.postgres, log });
  };

  const [kafka, postgres] = await Promise.allSettled([startKafka(), startPostgres()]);
  if (kafka.status === 'rejected' || postgres.status === 'rejected') {
    // Do not leave the half that did start running behind.
    await Promise.all(
      [kafka, postgres].map((started) => (started.status === 'fulfilled' ? started.value.stop() : undefined)),
    );
    const failures = [kafka, postgres].flatMap((started) =>
      started.status === 'rejected' ? [errorMessage(started.reason)] : [],
    );
    throw new Error(failures.join('\n\n'));
  }
  return {
    kafkaBrokers: kafka.value.brokers,
    databaseUrl: postgres.value.databaseUrl,
    mode: {
      kafka: externalBrokers === undefined ? provisionedMode : 'external',
      postgres: externalDatabaseUrl === undefined ? provisionedMode : 'external',
    },
    stop: once(async () => {
      await Promise.all([kafka.value.stop(), postgres.value.stop()]);
    }),
  };
}

/**
 * Deletes the local Kafka and PostgreSQL data of a profile (`.data/<profile>`),
 * never the downloaded jars, and returns that folder. Servers that a crashed
 * run left on it are stopped first; while a live process still uses them,
 * this throws instead.
 */
export async function wipeLocalData(
  profile: InfraProfile,
  log: (line: string) => void = () => undefined,
): Promise<string> {
  const dataDir = profileDataDir(profile);
  await Promise.all([
    stopLeftoverKafka(path.join(dataDir, 'kafka'), log),
    stopLeftoverPostgres(path.join(dataDir, 'postgres'), log),
  ]);
  // And any other server a test ran there (a suite's own broker, Prometheus, Alertmanager).
  await wipeServersFolder(dataDir, log);
  return dataDir;
}

function profileDataDir(profile: InfraProfile): string {
  return path.join(localDataRoot(), profile);
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

function parseBrokerList(value: string | undefined): string[] | undefined {
  const brokers = (value ?? '')
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker !== '');
  return brokers.length > 0 ? brokers : undefined;
}

/** The local processes' ports: LOCAL_KAFKA_PORT / LOCAL_POSTGRES_PORT, else the profile's. */
async function localPorts(
  profile: InfraProfile,
): Promise<{ kafka: number; kafkaController: number; postgres: number }> {
  const kafka = portFromEnv('LOCAL_KAFKA_PORT');
  const postgres = portFromEnv('LOCAL_POSTGRES_PORT');
  if (profile === 'dev') {
    const kafkaPort = kafka ?? DEV_PORTS.kafka;
    return { kafka: kafkaPort, kafkaController: kafkaPort + 1, postgres: postgres ?? DEV_PORTS.postgres };
  }
  const [freeKafka, freeController, freePostgres] = await freePorts('127.0.0.1', 3);
  return {
    kafka: kafka ?? freeKafka,
    kafkaController: kafka === undefined ? freeController : kafka + 1,
    postgres: postgres ?? freePostgres,
  };
}

function portFromEnv(name: string): number | undefined {
  const value = nonEmpty(process.env[name]);
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${name} must be a TCP port number, got "${value}"`);
  }
  return port;
}
