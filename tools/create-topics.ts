import pino from 'pino';
import { BaseEnvSchema, kafkaBrokers, loadConfig } from '@app/config';
import { ALL_TOPICS } from '@app/contracts';
import { createKafkaClient, ensureTopics } from '@app/kafka';

/** Creates the engine's topics on KAFKA_BROKERS (used by docker-compose's one-shot `topics` service). */
async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    process.stdout.write('usage: node dist/tools/create-topics.js\n  env: KAFKA_BROKERS, KAFKA_TOPIC_PARTITIONS\n');
    return;
  }
  const config = loadConfig(BaseEnvSchema);
  const kafka = createKafkaClient({
    brokers: kafkaBrokers(config),
    clientId: 'create-topics',
    logger: pino({ level: 'warn' }),
  });
  const created = await ensureTopics(kafka, ALL_TOPICS, config.KAFKA_TOPIC_PARTITIONS);
  process.stdout.write(`topics: ${created.length} created, ${ALL_TOPICS.length - created.length} already there\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`create-topics failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
