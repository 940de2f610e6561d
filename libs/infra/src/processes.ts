import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

/*
 * Process plumbing shared by the local Kafka and PostgreSQL launchers. Both
 * run their server as a detached child that outlives a crashed parent, so the
 * next start must recognise and stop it through a pid file.
 */

/** How long a server gets to shut down cleanly (Kafka's controlled shutdown, PostgreSQL's checkpoint): then SIGKILL. */
const SERVER_STOP_GRACE_MS = 20_000;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function secondsSince(startedAt: number): string {
  return `${((Date.now() - startedAt) / 1000).toFixed(1)} s`;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Wraps an async action so that later calls share the first call's promise (stop() may be called twice). */
export function once<T>(action: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= action());
}

// ---------------------------------------------------------------------------
// Running commands and servers

export interface RunAs {
  uid: number;
  gid: number;
}

export interface CommandOptions {
  /** Completes the "<command> not found on PATH: …" error, e.g. "install a JDK 17+". */
  installHint: string;
  runAs?: RunAs;
  /** Working directory of the command; the caller's by default. */
  cwd?: string;
}

/** Runs a command to completion and returns its stdout and stderr interleaved; throws on failure, quoting the tail. */
export function runCommand(command: string, args: string[], options: CommandOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: options.cwd, ...options.runAs });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (error) => reject(spawnError(command, error, options.installHint)));
    child.on('close', (code, signal) => {
      if (code === 0) {
        resolve(output);
      } else {
        const status = signal === null ? `exit code ${code}` : `signal ${signal}`;
        reject(new Error(`${baseName(command)} failed (${status}):\n${tailOfText(output, 30)}`));
      }
    });
  });
}

/**
 * Starts a long-running server with its stdout and stderr in `logFile`
 * (truncated first: it holds the latest run only).
 *
 * Its own process group keeps a terminal's Ctrl-C away from it, so that the
 * parent decides the shutdown order; unref() lets the parent exit without
 * stopping it, in which case the next start finds it through its pid file.
 */
export function spawnServer(
  command: string,
  args: string[],
  options: CommandOptions & { logFile: string },
): Promise<ChildProcess> {
  const logFd = openSync(options.logFile, 'w');
  return new Promise<ChildProcess>((resolve, reject) => {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', logFd, logFd], ...options.runAs });
    child.once('error', (error) => reject(spawnError(command, error, options.installHint)));
    child.once('spawn', () => {
      child.unref();
      resolve(child);
    });
  }).finally(() => closeSync(logFd));
}

function spawnError(command: string, error: Error, installHint: string): Error {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
    return new Error(`${baseName(command)} not found on PATH: ${installHint}`);
  }
  return new Error(`cannot run ${command}: ${error.message}`);
}

function baseName(command: string): string {
  return command.slice(command.lastIndexOf('/') + 1);
}

// ---------------------------------------------------------------------------
// Servers tracked by pid files

/** A server this code starts: its pid file holds the server's pid, then the pid of the process that started it. */
export interface ManagedServer {
  /** For messages: "kafka", "postgres". */
  name: string;
  pidFile: string;
  /** Recognises the server's command line, so that a recycled pid is never taken for it. */
  matchesCommandLine(commandLine: string): boolean;
}

interface RunningServer {
  serverPid: number;
  ownerPid: number | undefined;
}

export async function writeServerPidFile(server: ManagedServer, serverPid: number): Promise<void> {
  await writeFile(server.pidFile, `${serverPid}\n${process.pid}\n`);
}

/** The server recorded in its pid file, when that process still runs. */
async function findRunningServer(server: ManagedServer): Promise<RunningServer | undefined> {
  const [serverLine, ownerLine] = await readPidFileLines(server.pidFile);
  const serverPid = parsePid(serverLine);
  if (serverPid === undefined || !isProcessAlive(serverPid)) return undefined;
  const commandLine = processCommandLine(serverPid);
  if (commandLine === undefined || !server.matchesCommandLine(commandLine)) return undefined;
  return { serverPid, ownerPid: parsePid(ownerLine) };
}

/**
 * Clears the way for starting a server on its data dir. A server left running
 * by a run that crashed (its owner is gone) is stopped; one whose owner still
 * runs belongs to another session (a second `npm start`?), so this throws
 * rather than pull it from under that session.
 */
export async function stopLeftoverServer(
  server: ManagedServer,
  stopSignal: NodeJS.Signals,
  log: (line: string) => void,
): Promise<void> {
  const leftover = await findRunningServer(server);
  if (leftover !== undefined) {
    const { serverPid, ownerPid } = leftover;
    if (ownerPid !== undefined && ownerPid !== process.pid && isProcessAlive(ownerPid)) {
      throw new Error(
        `${server.name} on ${path.dirname(server.pidFile)} is in use: ` +
          `process ${ownerPid} started it (pid ${serverPid}); stop that process first`,
      );
    }
    log(`stopping ${server.name} left running by an earlier run (pid ${serverPid})…`);
    await terminateProcess(serverPid, stopSignal);
  }
  await rm(server.pidFile, { force: true });
}

/**
 * Deletes a folder of servers' data, after stopping every server that a crashed run left running
 * on it, so that none is orphaned; throws, as stopLeftoverServer does, while a live run owns one.
 */
export async function wipeServersFolder(root: string, log: (line: string) => void): Promise<void> {
  await stopLeftoverServersUnder(root, log);
  await rm(root, { recursive: true, force: true });
}

/**
 * Stops every server left running under `root`: each pid file below it written by
 * writeServerPidFile (a server's pid, then its owner's) whose process still runs with the file's
 * folder on its command line, so that a recycled pid is never taken for it.
 */
async function stopLeftoverServersUnder(root: string, log: (line: string) => void): Promise<void> {
  const entries = await readdir(root, { recursive: true }).catch(() => [] as string[]);
  const pidFiles = entries.filter((entry) => entry.endsWith('.pid')).map((entry) => path.join(root, entry));
  await Promise.all(
    pidFiles.map(async (pidFile) => {
      const [serverLine, ownerLine] = await readPidFileLines(pidFile);
      // Not one of ours (PostgreSQL's postmaster.pid has its data folder on the second line).
      if (parsePid(serverLine) === undefined || parsePid(ownerLine) === undefined) return;
      const folder = path.dirname(pidFile);
      const server: ManagedServer = {
        name: path.basename(pidFile, '.pid'),
        pidFile,
        matchesCommandLine: (commandLine) => commandLine.includes(folder),
      };
      await stopLeftoverServer(server, 'SIGTERM', log);
    }),
  );
}

/** Stops a server this process started and forgets its pid file. */
export async function stopServer(server: ManagedServer, serverPid: number, stopSignal: NodeJS.Signals): Promise<void> {
  await terminateProcess(serverPid, stopSignal);
  await rm(server.pidFile, { force: true });
}

/** The pid on the first line of a pid file, or undefined when there is no usable file. */
export async function readPidFile(pidFile: string): Promise<number | undefined> {
  const [firstLine] = await readPidFileLines(pidFile);
  return parsePid(firstLine);
}

async function readPidFileLines(pidFile: string): Promise<string[]> {
  try {
    return (await readFile(pidFile, 'utf8')).split('\n');
  } catch {
    return [];
  }
}

function parsePid(line: string | undefined): number | undefined {
  const pid = Number.parseInt(line?.trim() ?? '', 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

// ---------------------------------------------------------------------------
// Processes by pid

/** Whether `pid` is a running process. A zombie counts as gone: nobody may reap it here (PID 1 need not be an init). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  try {
    // "pid (command name) S …": the state letter follows the last ')', since the name may contain one.
    const procStat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return procStat.charAt(procStat.lastIndexOf(')') + 2) !== 'Z';
  } catch {
    return false;
  }
}

/** The command line of a running process (arguments joined by spaces), or undefined when it is gone. */
export function processCommandLine(pid: number): string | undefined {
  try {
    if (process.platform === 'linux') {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    }
    return execFileSync('ps', ['-p', String(pid), '-o', 'args='], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

/** Sends `signal`, gives the process SERVER_STOP_GRACE_MS to exit, then SIGKILLs it; resolves once it is gone. */
async function terminateProcess(pid: number, signal: NodeJS.Signals): Promise<void> {
  if (!sendSignal(pid, signal)) return;
  if (await waitForExit(pid, SERVER_STOP_GRACE_MS)) return;
  sendSignal(pid, 'SIGKILL');
  if (!(await waitForExit(pid, 5_000))) {
    throw new Error(`process ${pid} survived SIGKILL`);
  }
}

function sendSignal(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isProcessAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
  return true;
}

// ---------------------------------------------------------------------------
// Logs and ports

/** The last lines of a text file, or of what was appended to it past `fromByte`; a note when there is nothing. */
export async function tailOfFile(file: string, maxLines: number, fromByte = 0): Promise<string> {
  let text: string;
  try {
    text = (await readFile(file)).subarray(fromByte).toString('utf8');
  } catch {
    return `(no ${file})`;
  }
  return text.trim() === '' ? `(nothing new in ${file})` : tailOfText(text, maxLines);
}

function tailOfText(text: string, maxLines: number): string {
  return text.trimEnd().split('\n').slice(-maxLines).join('\n');
}

/** The size of a file, 0 when it does not exist yet. */
export async function fileSize(file: string): Promise<number> {
  return (await stat(file).catch(() => undefined))?.size ?? 0;
}

/** Fails early and clearly when something already listens on a port that a server is about to bind. */
export async function assertPortFree(host: string, port: number, purpose: string): Promise<void> {
  const probe = await listening(host, port);
  if (!probe) throw new Error(`${purpose}: ${host}:${port} is already in use by another process (see \`ss -ltnp\`)`);
  await new Promise((resolve) => probe.close(resolve));
}

/**
 * Where `freePorts` looks: below the ports the OS hands out to outgoing connections (from 32768
 * on Linux, 49152 on macOS and Windows). An OS-picked listening port (port 0) would lie in that
 * range, and between the pick and the server's own bind, an outgoing connection (the server's own
 * to Kafka, say) could take it.
 */
const FREE_PORT_RANGE = { from: 20_000, to: 32_767 };

/**
 * `count` distinct ports that nothing listens on now, picked at random in FREE_PORT_RANGE and
 * held together while picking (so no two are the same): for servers of a test's own, so that the
 * test does not depend on a fixed port being free on the machine that runs it.
 */
export async function freePorts(host: string, count: number): Promise<number[]> {
  const probes: net.Server[] = [];
  try {
    for (let attempt = 0; probes.length < count; attempt += 1) {
      if (attempt >= 100 * count)
        throw new Error(`no ${count} free ports on ${host} in ${FREE_PORT_RANGE.from}-${FREE_PORT_RANGE.to}`);
      const port = FREE_PORT_RANGE.from + Math.floor(Math.random() * (FREE_PORT_RANGE.to - FREE_PORT_RANGE.from + 1));
      const probe = await listening(host, port);
      if (probe) probes.push(probe);
    }
    return probes.map((probe) => (probe.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(probes.map((probe) => new Promise((resolve) => probe.close(resolve))));
  }
}

/** A server listening on the port (close it), or undefined when something else already listens there. */
function listening(host: string, port: number): Promise<net.Server | undefined> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      error.code === 'EADDRINUSE' ? resolve(undefined) : reject(error),
    );
    probe.listen({ host, port, exclusive: true }, () => resolve(probe));
  });
}
