import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  assertPortFree,
  errorMessage,
  once,
  runCommand,
  secondsSince,
  spawnServer,
  stopLeftoverServer,
  stopServer,
  tailOfFile,
  writeServerPidFile,
  type ManagedServer,
} from './processes';

/*
 * Prometheus, Alertmanager and their command-line checkers (promtool, amtool) from Debian's
 * `prometheus` and `prometheus-alertmanager` packages: what the rule tests, the alerting e2e test
 * and `npm start` run beside the system. Debian bookworm ships Prometheus 2.42 and Alertmanager 0.25.
 */

export interface MonitoringTools {
  promtool: string;
  amtool: string;
  prometheus: string;
  alertmanager: string;
}

const DEBIAN_PACKAGES = ['prometheus', 'prometheus-alertmanager'];
const INSTALL_HINT = `install Debian's ${DEBIAN_PACKAGES.join(' and ')} packages (apt-get install ${DEBIAN_PACKAGES.join(' ')})`;
/** Where the packages put the binaries (Debian names the Alertmanager server prometheus-alertmanager). */
const DEBIAN_BINARIES: MonitoringTools = {
  promtool: '/usr/bin/promtool',
  amtool: '/usr/bin/amtool',
  prometheus: '/usr/bin/prometheus',
  alertmanager: '/usr/bin/prometheus-alertmanager',
};
/** Debian's hook that tells maintainer scripts whether they may start services; 101 = never. */
const POLICY_RC_D = '/usr/sbin/policy-rc.d';

/** The binaries when they are all installed, else undefined. */
export function findMonitoringTools(): MonitoringTools | undefined {
  return Object.values(DEBIAN_BINARIES).every((binary) => existsSync(binary)) ? DEBIAN_BINARIES : undefined;
}

/**
 * The binaries, installed with apt-get first when they are missing and this process is root (as
 * on CI). The packages' services are kept from starting during the install, so nothing is left
 * listening on 9090/9093. Otherwise throws with what to install: a check never passes by skipping.
 */
export async function ensureMonitoringTools(log: (line: string) => void): Promise<MonitoringTools> {
  const found = findMonitoringTools();
  if (found) return found;
  if (process.getuid?.() !== 0) {
    throw new Error(`promtool, amtool, prometheus or alertmanager is missing and this is not root: ${INSTALL_HINT}`);
  }
  const startedAt = Date.now();
  log(`installing ${DEBIAN_PACKAGES.join(', ')} with apt-get…`);
  const ownPolicy = !existsSync(POLICY_RC_D);
  if (ownPolicy)
    await writeFile(POLICY_RC_D, '#!/bin/sh\n# Written by agent-workflows while installing Prometheus.\nexit 101\n', {
      mode: 0o755,
    });
  try {
    const apt = { installHint: 'apt-get is needed to install them (Debian or Ubuntu)' };
    const env = ['env', 'DEBIAN_FRONTEND=noninteractive'];
    await runCommand(env[0], [...env.slice(1), 'apt-get', 'update', '-qq'], apt);
    await runCommand(
      env[0],
      [...env.slice(1), 'apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...DEBIAN_PACKAGES],
      apt,
    );
  } finally {
    if (ownPolicy) await rm(POLICY_RC_D, { force: true });
  }
  const installed = findMonitoringTools();
  if (!installed)
    throw new Error(`apt-get installed ${DEBIAN_PACKAGES.join(' ')} but a binary is still missing: ${INSTALL_HINT}`);
  log(`installed ${DEBIAN_PACKAGES.join(', ')} (${secondsSince(startedAt)})`);
  return installed;
}

export interface MonitoringServer {
  url: string;
  stop(): Promise<void>;
}

interface ServerSpec {
  name: 'prometheus' | 'alertmanager';
  binary: string;
  args: string[];
  dataDir: string;
  port: number;
  /** Answers 200 once the server is ready. */
  readyPath: string;
}

const HOST = '127.0.0.1';

/** Where a monitoring server reads its configuration, keeps its data and listens. */
export interface MonitoringServerOptions {
  tools: MonitoringTools;
  configFile: string;
  dataDir: string;
  port: number;
  log: (line: string) => void;
}
const READY_TIMEOUT_MS = 30_000;

/**
 * Starts Prometheus on `configFile` (its rule_files resolve against the file's directory), storing
 * its data in `dataDir`, with `--web.enable-lifecycle` so tests can ask it to reload.
 */
export function startPrometheus(options: MonitoringServerOptions): Promise<MonitoringServer> {
  return startServer(
    {
      name: 'prometheus',
      binary: options.tools.prometheus,
      dataDir: options.dataDir,
      port: options.port,
      readyPath: '/-/ready',
      args: [
        `--config.file=${options.configFile}`,
        `--storage.tsdb.path=${path.join(options.dataDir, 'tsdb')}`,
        `--web.listen-address=${HOST}:${options.port}`,
        '--web.enable-lifecycle',
      ],
    },
    options.log,
  );
}

/** Starts Alertmanager on `configFile`, alone (no cluster peers), keeping its state in `dataDir`. */
export function startAlertmanager(options: MonitoringServerOptions): Promise<MonitoringServer> {
  return startServer(
    {
      name: 'alertmanager',
      binary: options.tools.alertmanager,
      dataDir: options.dataDir,
      port: options.port,
      readyPath: '/-/ready',
      args: [
        `--config.file=${options.configFile}`,
        `--storage.path=${options.dataDir}`,
        `--web.listen-address=${HOST}:${options.port}`,
        // One instance: no gossip port to bind (it would default to 9094 and clash).
        '--cluster.listen-address=',
      ],
    },
    options.log,
  );
}

async function startServer(spec: ServerSpec, log: (line: string) => void): Promise<MonitoringServer> {
  const startedAt = Date.now();
  await mkdir(spec.dataDir, { recursive: true });
  const server = monitoringServer(spec.name, spec.binary, spec.dataDir);
  await stopLeftoverServer(server, 'SIGTERM', log);
  await assertPortFree(HOST, spec.port, `${spec.name} port`);
  const logFile = path.join(spec.dataDir, `${spec.name}.log`);
  const child = await spawnServer(spec.binary, spec.args, { logFile, installHint: INSTALL_HINT });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${spec.name} started without a pid`);
  await writeServerPidFile(server, pid);
  const stop = once(() => stopServer(server, pid, 'SIGTERM'));
  const url = `http://${HOST}:${spec.port}`;
  try {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error('it exited');
      const ready = await fetch(`${url}${spec.readyPath}`).then(
        (response) => response.ok,
        () => false,
      );
      if (ready) break;
      if (Date.now() > deadline) throw new Error(`not ready within ${READY_TIMEOUT_MS / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } catch (error) {
    await stop();
    throw new Error(
      `${spec.name} did not start on ${url}: ${errorMessage(error)}\n--- tail of ${logFile} ---\n${await tailOfFile(logFile, 30)}`,
      { cause: error },
    );
  }
  log(`${spec.name} ready on ${url} (${secondsSince(startedAt)})`);
  return { url, stop };
}

/** Prometheus or Alertmanager keeping its data in `dataDir`, recognised by its binary and that folder. */
function monitoringServer(name: ServerSpec['name'], binary: string, dataDir: string): ManagedServer {
  return {
    name,
    pidFile: path.join(dataDir, `${name}.pid`),
    matchesCommandLine: (commandLine) => commandLine.includes(binary) && commandLine.includes(dataDir),
  };
}

export interface MonitoringStack {
  prometheus: MonitoringServer;
  alertmanager: MonitoringServer;
  stop(): Promise<void>;
}

/**
 * Prometheus scraping `targets` (job = service name, as in deploy/prometheus/prometheus.yml) with
 * `ruleFiles`, sending alerts to an Alertmanager on `alertmanagerConfigFile`; data and the
 * generated prometheus.yml live in `dataDir`. For `npm start` and the alerting e2e test.
 */
export async function startMonitoringStack(options: {
  tools: MonitoringTools;
  dataDir: string;
  ports: { prometheus: number; alertmanager: number };
  targets: { name: string; url: string }[];
  ruleFiles: string[];
  alertmanagerConfigFile: string;
  /** Scrape and rule evaluation interval, e.g. "1s" in tests, "5s" for npm start. */
  interval: string;
  log: (line: string) => void;
}): Promise<MonitoringStack> {
  await mkdir(options.dataDir, { recursive: true });
  const alertmanager = await startAlertmanager({
    tools: options.tools,
    configFile: options.alertmanagerConfigFile,
    dataDir: path.join(options.dataDir, 'alertmanager'),
    port: options.ports.alertmanager,
    log: options.log,
  });
  const configFile = path.join(options.dataDir, 'prometheus.yml');
  const config = {
    global: { scrape_interval: options.interval, evaluation_interval: options.interval },
    alerting: { alertmanagers: [{ static_configs: [{ targets: [new URL(alertmanager.url).host] }] }] },
    rule_files: options.ruleFiles,
    scrape_configs: options.targets.map((target) => ({
      job_name: target.name,
      static_configs: [{ targets: [new URL(target.url).host] }],
    })),
  };
  // JSON is YAML: no YAML writer needed for a generated file.
  await writeFile(configFile, JSON.stringify(config, null, 2));
  try {
    const prometheus = await startPrometheus({
      tools: options.tools,
      configFile,
      dataDir: path.join(options.dataDir, 'prometheus'),
      port: options.ports.prometheus,
      log: options.log,
    });
    return {
      prometheus,
      alertmanager,
      stop: once(async () => {
        await prometheus.stop();
        await alertmanager.stop();
      }),
    };
  } catch (error) {
    await alertmanager.stop();
    throw error;
  }
}
