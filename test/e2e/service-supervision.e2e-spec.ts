import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { findRepoRoot } from '@app/infra';
import { provisioned, waitFor } from '@app/testing';

/**
 * A supervisor as `npm start`, a test run or a benchmark is one: a process that starts a service
 * through `startServices` (the compiled libs/infra) and prints the service's pid and log file.
 */
const SUPERVISOR = `
const { startServices } = require(${JSON.stringify(path.join(findRepoRoot(), 'dist/libs/infra/src/index.js'))});
startServices({
  names: ['ingest'],
  env: JSON.parse(process.env.SUPERVISED_ENV),
  ports: 'free',
  logDir: process.env.SUPERVISED_LOG_DIR,
  log: (line) => process.stderr.write(line + '\\n'),
}).then((services) => {
  const [service] = services.services;
  process.stdout.write(JSON.stringify({ pid: service.process.pid, logFile: service.logFile }) + '\\n');
  setInterval(() => {}, 60_000);
});
`;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A killed supervisor cleans nothing up; its services notice it through their IPC channel and shut
 * down as on SIGTERM, so none is left holding its port and consuming for no one.
 */
describe('a service whose supervisor dies', () => {
  let supervisor: ChildProcess | undefined;
  let servicePid: number | undefined;

  afterAll(() => {
    supervisor?.kill('SIGKILL');
    if (servicePid !== undefined && isAlive(servicePid)) process.kill(servicePid, 'SIGKILL');
  });

  it('shuts down on its own, gracefully, when the supervisor is killed with SIGKILL', async () => {
    supervisor = spawn(process.execPath, ['-e', SUPERVISOR], {
      env: {
        ...process.env,
        SUPERVISED_ENV: JSON.stringify({
          KAFKA_BROKERS: provisioned('KAFKA_BROKERS'),
          DATABASE_URL: provisioned('DATABASE_URL'),
          INSTANCE_ID: `e2e-supervision-${randomUUID().slice(0, 8)}`,
          ADMIN_API_TOKEN: `e2e-admin-${randomUUID()}`,
          LOG_LEVEL: 'info',
        }),
        SUPERVISED_LOG_DIR: path.join(findRepoRoot(), '.data', 'test', 'logs-supervision'),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(createInterface({ input: supervisor.stdout! }), 'line')) as [string];
    const started = JSON.parse(line) as { pid: number; logFile: string };
    servicePid = started.pid;
    expect(isAlive(servicePid)).toBe(true);

    supervisor.kill('SIGKILL');

    await waitFor('the service to exit', () => (isAlive(started.pid) ? undefined : true), 30_000);
    // It drained as on SIGTERM, rather than dying of a broken pipe.
    const log = readFileSync(started.logFile, 'utf8');
    expect(log).toMatch(/"reason":"supervisor gone".*"msg":"shutting down"/);
    expect(log).toContain('"msg":"stopped"');
  }, 120_000);
});
