import { parseArgs } from 'node:util';
import { DEV_ADMIN_API_TOKEN, SERVICES } from '@app/infra';
import { runDemo } from './demo-scenario';

const USAGE = `usage: npm run demo [-- --brokers HOST:PORT] [--host 127.0.0.1]

Runs the demo against a system started with \`npm start\` in another terminal: creates a workflow,
publishes sample conversations to Kafka and shows the signed webhook and the execution history.
(\`npm start -- --demo\` does both in one terminal.)`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      brokers: { type: 'string', default: process.env.KAFKA_BROKERS ?? '127.0.0.1:19092' },
      host: { type: 'string', default: '127.0.0.1' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const url = (port: number) => `http://${values.host}:${port}`;
  const health = await fetch(`${url(SERVICES.api)}/health`).catch(() => null);
  if (!health?.ok)
    throw new Error(`the api does not answer on ${url(SERVICES.api)}: start the system first with \`npm start\``);
  await runDemo({
    kafkaBrokers: values.brokers.split(','),
    apiUrl: url(SERVICES.api),
    adminToken: process.env.ADMIN_API_TOKEN ?? DEV_ADMIN_API_TOKEN,
    historyUrl: url(SERVICES.history),
    triggerMatcherUrl: url(SERVICES['trigger-matcher']),
    actionDispatcherUrl: url(SERVICES['action-dispatcher']),
    log: (line) => process.stderr.write(`[demo] ${line}\n`),
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
