import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeCluster } from '@app/kafka';
import {
  assertPortFree,
  errorMessage,
  fileSize,
  once,
  runCommand,
  secondsSince,
  sleep,
  spawnServer,
  stopLeftoverServer,
  stopServer,
  tailOfFile,
  writeServerPidFile,
  type ManagedServer,
} from './processes';
import { findRepoRoot, localCacheDir } from './repo-paths';

/*
 * A real single-node Apache Kafka (KRaft, broker and controller in one JVM)
 * run straight from its jars, for machines without a container engine. The
 * jars come from Maven Central through deploy/kafka/pom.xml, since no package
 * registry serves the Kafka distribution itself.
 */

export const KAFKA_VERSION = '4.1.1';

export interface LocalKafka {
  brokers: string[];
  stop(): Promise<void>;
}

export interface InstallKafkaOptions {
  /** Folder for downloads that survive wiping the data; the jars land in `<cacheDir>/kafka-4.1.1/libs`. */
  cacheDir: string;
  log: (line: string) => void;
}

export interface StartLocalKafkaOptions {
  dataDir: string;
  port: number;
  controllerPort: number;
  /** JVM maximum heap; 512 MB is plenty for a development broker. */
  heapMb?: number;
  log: (line: string) => void;
}

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 90_000;
const JAVA_INSTALL_HINT = 'install a JDK 17+';
/** Makes Kafka run its controlled shutdown: partitions are closed cleanly and the next start needs no log recovery. */
const STOP_SIGNAL: NodeJS.Signals = 'SIGTERM';

/**
 * Fetches the Kafka jars into the cache unless they are there already, and
 * returns the folder holding them. The install is recorded with a hash of the
 * pom, so that editing the pom triggers a fresh one.
 */
export async function installKafka({ cacheDir, log }: InstallKafkaOptions): Promise<string> {
  const pomFile = path.join(findRepoRoot(), 'deploy', 'kafka', 'pom.xml');
  const kafkaHome = path.join(cacheDir, `kafka-${KAFKA_VERSION}`);
  const libsDir = path.join(kafkaHome, 'libs');
  const installMarker = path.join(kafkaHome, 'installed-from-pom.sha256');
  const pomHash = createHash('sha256')
    .update(await readFile(pomFile))
    .digest('hex');
  const isInstalled = async (): Promise<boolean> =>
    (await readFile(installMarker, 'utf8').catch(() => undefined)) === pomHash;
  if (await isInstalled()) return libsDir;

  log(`resolving Kafka ${KAFKA_VERSION} jars from Maven Central…`);
  const startedAt = Date.now();
  // Staged under a per-process name, so that an interrupted or concurrent install never leaves a half-filled libs dir.
  const stagingDir = `${libsDir}.partial-${process.pid}`;
  await rm(stagingDir, { recursive: true, force: true });
  await runCommand(
    'mvn',
    [
      '-q',
      '-B',
      '-Dstyle.color=never',
      '-f',
      pomFile,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${stagingDir}`,
    ],
    { installHint: 'install Maven 3.8+ (it fetches the Kafka jars from Maven Central)' },
  );
  if (await isInstalled()) {
    // A concurrent start finished the same install first; its copy is as good as ours.
    await rm(stagingDir, { recursive: true, force: true });
    return libsDir;
  }
  await rm(libsDir, { recursive: true, force: true });
  await rename(stagingDir, libsDir);
  await writeFile(installMarker, pomHash);
  log(`kafka jars ready in ${libsDir}: ${await describeJars(libsDir)} (${secondsSince(startedAt)})`);
  return libsDir;
}

async function describeJars(libsDir: string): Promise<string> {
  const jars = (await readdir(libsDir)).filter((name) => name.endsWith('.jar'));
  const sizes = await Promise.all(jars.map(async (jar) => (await stat(path.join(libsDir, jar))).size));
  const megabytes = sizes.reduce((sum, size) => sum + size, 0) / 1024 / 1024;
  return `${jars.length} jars, ${megabytes.toFixed(0)} MB`;
}

/** Where a local Kafka keeps what it writes under its data dir. */
function kafkaFiles(dataDir: string) {
  return {
    serverProperties: path.join(dataDir, 'server.properties'),
    /** Kafka's log.dirs: topic partitions and KRaft metadata. */
    storageDir: path.join(dataDir, 'storage'),
    /** Written by the storage format; its presence means "formatted". */
    metaProperties: path.join(dataDir, 'storage', 'meta.properties'),
    /** Passed to log4j2 as kafka.logs.dir (see deploy/kafka/log4j2.xml). */
    logsDir: path.join(dataDir, 'logs'),
    /** Kafka's own log, kept across starts (rolled at 20 MB). */
    serverLog: path.join(dataDir, 'logs', 'server.log'),
    /** The JVM's stdout and stderr, for failures before log4j is up (truncated on each start). */
    processLog: path.join(dataDir, 'logs', 'process.log'),
  };
}

/** The local Kafka on `dataDir` as a server with a pid file, recognised by its main class and properties file. */
function kafkaServer(dataDir: string): ManagedServer {
  const { serverProperties } = kafkaFiles(dataDir);
  return {
    name: 'kafka',
    pidFile: path.join(dataDir, 'kafka.pid'),
    matchesCommandLine: (commandLine) => commandLine.includes('kafka.Kafka') && commandLine.includes(serverProperties),
  };
}

/**
 * Starts Kafka on `dataDir`, formatting its storage on first use only (topics
 * and offsets survive restarts), and resolves once the broker serves requests.
 */
export async function startLocalKafka(options: StartLocalKafkaOptions): Promise<LocalKafka> {
  const { dataDir, port, controllerPort, heapMb = 512, log } = options;
  const libsDir = await installKafka({ cacheDir: localCacheDir(), log });
  const startedAt = Date.now();
  await assertJavaVersion(17);

  const files = kafkaFiles(dataDir);
  const server = kafkaServer(dataDir);
  await mkdir(files.logsDir, { recursive: true });
  await stopLeftoverKafka(dataDir, log);
  await assertPortFree(HOST, port, 'kafka broker port');
  await assertPortFree(HOST, controllerPort, 'kafka controller port');

  // Rewritten on every start, so that changed ports apply to existing data.
  await writeFile(
    files.serverProperties,
    renderProperties(kafkaServerProperties({ storageDir: files.storageDir, port, controllerPort })),
  );
  const jvmArgs = [
    `-Xmx${heapMb}m`,
    '-XX:+UseG1GC',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${path.join(findRepoRoot(), 'deploy', 'kafka', 'log4j2.xml')}`,
    `-Dkafka.logs.dir=${files.logsDir}`,
    '-cp',
    path.join(libsDir, '*'),
  ];
  if (!existsSync(files.metaProperties)) {
    const clusterId = newKafkaClusterId();
    log(`formatting kafka storage in ${files.storageDir} (cluster id ${clusterId})…`);
    await runCommand(
      'java',
      [...jvmArgs, 'kafka.tools.StorageTool', 'format', '--cluster-id', clusterId, '--config', files.serverProperties],
      { installHint: JAVA_INSTALL_HINT },
    );
  }
  const clusterId = await readClusterId(files.metaProperties);

  const broker = `${HOST}:${port}`;
  // server.log grows across starts; only what this start appends explains a failure.
  const serverLogOffset = await fileSize(files.serverLog);
  const child = await spawnServer('java', [...jvmArgs, 'kafka.Kafka', files.serverProperties], {
    logFile: files.processLog,
    installHint: JAVA_INSTALL_HINT,
  });
  const serverPid = child.pid;
  if (serverPid === undefined) throw new Error('kafka: the JVM started without a pid');
  await writeServerPidFile(server, serverPid);
  const stop = once(() => stopServer(server, serverPid, STOP_SIGNAL));

  try {
    await waitUntilBrokerServes({
      broker,
      clusterId,
      hasExited: () => child.exitCode !== null || child.signalCode !== null,
    });
  } catch (error) {
    await stop();
    throw new Error(
      `kafka did not start on ${broker}: ${errorMessage(error)}\n` +
        `--- tail of ${files.processLog} ---\n${await tailOfFile(files.processLog, 10)}\n` +
        `--- tail of ${files.serverLog} ---\n${await tailOfFile(files.serverLog, 30, serverLogOffset)}`,
      { cause: error },
    );
  }
  log(`kafka ready on ${broker} (${secondsSince(startedAt)})`);
  return { brokers: [broker], stop };
}

/** Stops a Kafka that a crashed run left running on `dataDir`; throws while a live process still uses it. */
export function stopLeftoverKafka(dataDir: string, log: (line: string) => void): Promise<void> {
  return stopLeftoverServer(kafkaServer(dataDir), STOP_SIGNAL, log);
}

/**
 * How the broker treats topics and groups, the same for the local process and
 * the container (see docker-infra.ts): what the services see must not depend
 * on where Kafka runs.
 */
export const KAFKA_BROKER_SETTINGS: Readonly<Record<string, string | number | boolean>> = {
  // Topics are declared by the services, as in production; a typo must fail, not create a topic.
  'auto.create.topics.enable': false,
  'num.partitions': 3,
  // Internal topics default to 3 replicas, which a single broker cannot host.
  'offsets.topic.replication.factor': 1,
  'transaction.state.log.replication.factor': 1,
  'transaction.state.log.min.isr': 1,
  'share.coordinator.state.topic.replication.factor': 1,
  'share.coordinator.state.topic.min.isr': 1,
  // The first consumer group would otherwise wait 3 s for more members to join.
  'group.initial.rebalance.delay.ms': 0,
  // 50 partitions each by default: on a 2-core machine, loading those 100 adds ~2 s to every start
  // and creating them ~2 s to the first group join. They only spread coordinator load across brokers.
  'offsets.topic.num.partitions': 5,
  'transaction.state.log.num.partitions': 5,
};

function kafkaServerProperties(settings: {
  storageDir: string;
  port: number;
  controllerPort: number;
}): Record<string, string | number | boolean> {
  const { storageDir, port, controllerPort } = settings;
  return {
    // One JVM is both the broker and the KRaft controller quorum (of one).
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@${HOST}:${controllerPort}`,
    'controller.listener.names': 'CONTROLLER',
    // Loopback only: nothing outside this machine may reach it.
    listeners: `PLAINTEXT://${HOST}:${port},CONTROLLER://${HOST}:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${HOST}:${port}`,
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': storageDir,
    ...KAFKA_BROKER_SETTINGS,
  };
}

function renderProperties(properties: Record<string, string | number | boolean>): string {
  const lines = Object.entries(properties).map(([key, value]) => `${key}=${String(value)}`);
  return `# Generated by libs/infra/src/local-kafka.ts on every start; edits are lost.\n${lines.join('\n')}\n`;
}

/** A Kafka cluster id: 16 random bytes in unpadded base64url, not starting with '-' (which would read as an option). */
function newKafkaClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

async function readClusterId(metaProperties: string): Promise<string> {
  const match = /^cluster\.id=(.+)$/m.exec(await readFile(metaProperties, 'utf8'));
  if (match?.[1] === undefined) throw new Error(`kafka: no cluster.id in ${metaProperties}`);
  return match[1].trim();
}

async function assertJavaVersion(minimumMajor: number): Promise<void> {
  // `java -version` prints e.g. `openjdk version "17.0.15" 2025-04-15` (or "1.8.0_392" for Java 8) on stderr.
  const output = await runCommand('java', ['-version'], { installHint: JAVA_INSTALL_HINT });
  const match = /version "(\d+)(?:\.(\d+))?/.exec(output);
  const major = match === null ? NaN : Number(match[1] === '1' ? match[2] : match[1]);
  if (!(major >= minimumMajor)) {
    throw new Error(`kafka ${KAFKA_VERSION} needs Java ${minimumMajor}+, but \`java -version\` says: ${output.trim()}`);
  }
}

/**
 * Polls until the broker answers a DescribeCluster request for our cluster.
 * An open port is not enough: the broker binds it well before it serves
 * requests. The cluster id rules out some other Kafka on the same port.
 */
async function waitUntilBrokerServes(probe: {
  broker: string;
  clusterId: string;
  hasExited: () => boolean;
}): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError: string;
  for (;;) {
    if (probe.hasExited()) throw new Error('the kafka process exited');
    try {
      const cluster = await describeCluster(probe.broker);
      if (cluster.clusterId === probe.clusterId && cluster.brokerCount > 0) return;
      lastError = `the broker answered for cluster ${cluster.clusterId}, not ours (${probe.clusterId})`;
    } catch (error) {
      lastError = errorMessage(error);
    }
    if (Date.now() >= deadline) {
      throw new Error(`not ready after ${READY_TIMEOUT_MS / 1000} s (last probe: ${lastError})`);
    }
    await sleep(250);
  }
}
