import { parseArgs } from 'node:util';
import { provisionInfrastructure, wipeLocalData, type InfraProfile } from '@app/infra';

const USAGE = `usage: npm run infra -- <command> [--profile dev|test]

commands:
  up     start Kafka and PostgreSQL, print where they are, and keep them
         running until Ctrl-C (or SIGTERM), then stop them cleanly
  wipe   delete the profile's local Kafka and PostgreSQL data (.data/<profile>);
         the downloaded Kafka jars stay

options:
  --profile, -p   dev (default: ports 19092, 15432) or test (free ports picked at random)
  --help, -h      show this help

environment:
  KAFKA_BROKERS, DATABASE_URL            use these services instead of starting them
  LOCAL_KAFKA_PORT, LOCAL_POSTGRES_PORT  ports of the local processes`;

const log = (line: string): void => {
  process.stderr.write(`[infra] ${line}\n`);
};

class UsageError extends Error {}

async function main(): Promise<void> {
  const { command, profile, help } = parseCommandLine(process.argv.slice(2));
  if (help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  switch (command) {
    case 'up':
      return up(profile);
    case 'wipe':
      log(`wiped ${await wipeLocalData(profile, log)}`);
      return;
    case undefined:
      throw new UsageError('missing command');
    default:
      throw new UsageError(`unknown command: ${command}`);
  }
}

const OPTIONS = {
  profile: { type: 'string', short: 'p', default: 'dev' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function parseCommandLine(args: string[]): { command: string | undefined; profile: InfraProfile; help: boolean } {
  const { positionals, values } = parseArgsOrExplain(args);
  if (positionals.length > 1) throw new UsageError(`one command at a time, got: ${positionals.join(' ')}`);
  if (values.profile !== 'dev' && values.profile !== 'test') {
    throw new UsageError(`--profile must be dev or test, got: ${values.profile}`);
  }
  return { command: positionals[0], profile: values.profile, help: values.help };
}

function parseArgsOrExplain(args: string[]) {
  try {
    return parseArgs({ args, options: OPTIONS, allowPositionals: true });
  } catch (error) {
    // parseArgs explains unknown options and missing values well; they are usage errors.
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

async function up(profile: InfraProfile): Promise<void> {
  // Listening from the start: a Ctrl-C during startup stops the services once they are up, rather
  // than killing this process and leaving them running. process.on, not once: with no listener of
  // ours left, signal-exit (loaded by testcontainers) would re-raise the signal and kill us mid-stop.
  const stopRequested = new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      log(stopping ? `${signal} received: still stopping…` : `${signal} received: stopping…`);
      stopping = true;
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });

  const infra = await provisionInfrastructure({ profile, log });
  process.stdout.write(`KAFKA_BROKERS=${infra.kafkaBrokers.join(',')}\nDATABASE_URL=${infra.databaseUrl}\n`);
  log(`${profile} infrastructure up (kafka: ${infra.mode.kafka}, postgres: ${infra.mode.postgres}); Ctrl-C to stop`);

  // Nothing else keeps this process alive: the servers run detached.
  const keepAlive = setInterval(() => undefined, 60_000);
  await stopRequested;
  clearInterval(keepAlive);
  await infra.stop();
  log('stopped');
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`error: ${error.message}\n\n${USAGE}\n`);
    process.exitCode = 2;
  } else {
    log(`failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
});
