import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { freePorts } from './processes';
import { findRepoRoot } from './repo-paths';

/** The engine's services and the HTTP port each listens on by default. */
export const SERVICES = {
  api: 3000,
  ingest: 3001,
  'trigger-matcher': 3002,
  'action-dispatcher': 3003,
  'signal-aggregator': 3004,
  history: 3005,
} as const;
export type ServiceName = keyof typeof SERVICES;

/**
 * The operator token (ADMIN_API_TOKEN) that `npm start` gives the api unless the variable is set,
 * and that `npm run demo` uses: for local development only, never for a deployment.
 */
export const DEV_ADMIN_API_TOKEN = 'local-development-admin-token';
export const SERVICE_NAMES = Object.keys(SERVICES) as ServiceName[];

export interface StartServicesOptions {
  names?: readonly ServiceName[];
  /** Environment for every service (brokers, database URL, log level…), on top of process.env. */
  env: Record<string, string>;
  /**
   * `defaults`: each service on its port above (`npm start`). `free`: on free ports picked at random (tests
   * and benchmarks), so that they run beside `npm start`, and on machines where a fixed port is taken.
   */
  ports?: 'defaults' | 'free';
  /** Each service writes its stdout and stderr to `<logDir>/<name>.log` (appending). */
  logDir: string;
  log: (line: string) => void;
  readyTimeoutMs?: number;
}

export interface RunningService {
  name: ServiceName;
  url: string;
  process: ChildProcess;
  logFile: string;
}

export interface RunningServices {
  services: RunningService[];
  url(name: ServiceName): string;
  stop(name?: ServiceName): Promise<void>;
  /** Ends one service with `signal` (SIGKILL simulates a crash); resolves with its exit code. */
  kill(name: ServiceName, signal: NodeJS.Signals): Promise<number | null>;
  /** Starts a killed service again and waits until it is ready. */
  start(name: ServiceName): Promise<void>;
}

/** The compiled entry point of a service; `npm run build` produces it. */
export function serviceEntryPoint(name: ServiceName): string {
  return path.join(findRepoRoot(), 'dist', 'apps', name, 'src', 'main.js');
}

/**
 * Starts compiled services as child processes and waits until each answers `/health` with 200
 * (its consumer joined, its migrations ran, its views caught up). A service that exits first
 * fails the start with the tail of its log.
 */
export async function startServices(options: StartServicesOptions): Promise<RunningServices> {
  const names = options.names ?? SERVICE_NAMES;
  mkdirSync(options.logDir, { recursive: true });
  const ports =
    options.ports === 'free' ? await freePorts('127.0.0.1', names.length) : names.map((name) => SERVICES[name]);
  const portOf = (name: ServiceName) => ports[names.indexOf(name)]!;
  const running = names.map((name) => spawnService(name, portOf(name), options));
  // Whatever happens to this process, its services must not outlive it.
  const killOnExit = () => running.forEach((service) => service.process.kill('SIGKILL'));
  process.once('exit', killOnExit);
  const all: RunningServices = {
    services: running,
    url(name) {
      const service = running.find((candidate) => candidate.name === name);
      if (!service) throw new Error(`${name} is not running`);
      return service.url;
    },
    async stop(name) {
      await Promise.all(running.filter((service) => !name || service.name === name).map(stopService));
      if (!name) process.removeListener('exit', killOnExit);
    },
    async kill(name, signal) {
      const service = running.find((candidate) => candidate.name === name);
      if (!service || service.process.exitCode !== null) throw new Error(`${name} is not running`);
      const exited = new Promise<number | null>((resolve) => service.process.once('exit', (code) => resolve(code)));
      service.process.kill(signal);
      return exited;
    },
    async start(name) {
      const index = running.findIndex((candidate) => candidate.name === name);
      const current = running[index];
      if (!current || (current.process.exitCode === null && current.process.signalCode === null)) {
        throw new Error(`${name} is not a stopped service of this set`);
      }
      const replacement = spawnService(name, portOf(name), options);
      running[index] = replacement;
      await waitUntilReady(replacement, options.readyTimeoutMs ?? 90_000, options.log);
    },
  };
  try {
    await Promise.all(running.map((service) => waitUntilReady(service, options.readyTimeoutMs ?? 90_000, options.log)));
  } catch (error) {
    await all.stop();
    throw error;
  }
  return all;
}

function spawnService(name: ServiceName, port: number, options: StartServicesOptions): RunningService {
  const entry = serviceEntryPoint(name);
  if (!existsSync(entry)) throw new Error(`${entry} does not exist: run \`npm run build\` first`);
  const logFile = path.join(options.logDir, `${name}.log`);
  // The service writes its log file itself, so that its output is kept whatever becomes of this
  // process; the IPC channel is how it notices that this process died (libs/platform bootstrap).
  const log = openSync(logFile, 'a');
  try {
    const child = spawn(process.execPath, ['--enable-source-maps', entry], {
      cwd: findRepoRoot(),
      env: { ...process.env, ...options.env, HTTP_PORT: String(port) },
      stdio: ['ignore', log, log, 'ipc'],
    });
    // Nothing is sent over the channel, and it must not keep this process alive.
    child.channel?.unref();
    return { name, url: `http://127.0.0.1:${port}`, process: child, logFile };
  } finally {
    closeSync(log);
  }
}

async function waitUntilReady(service: RunningService, timeoutMs: number, log: (line: string) => void): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (service.process.exitCode !== null || service.process.signalCode !== null) {
      throw new Error(
        `${service.name} exited during start-up; last lines of ${service.logFile}:\n${tail(service.logFile)}`,
      );
    }
    try {
      const response = await fetch(`${service.url}/health`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) {
        log(`${service.name} ready on ${service.url} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
        return;
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(
    `${service.name} not ready after ${timeoutMs} ms; last lines of ${service.logFile}:\n${tail(service.logFile)}`,
  );
}

/** SIGTERM, then SIGKILL if the service has not drained within 20 s. */
async function stopService(service: RunningService): Promise<void> {
  const child = service.process;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const killTimer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(killTimer);
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
