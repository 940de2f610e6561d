import pino from 'pino';
import { ALL_TOPICS } from '@app/contracts';
import { installIntentModel, provisionInfrastructure, wipeLocalData, type Infrastructure } from '@app/infra';
import { createKafkaClient, ensureTopics } from '@app/kafka';

const log = (line: string) => process.stderr.write(`[test-infra] ${line}\n`);

/** Partitions per topic in tests: enough to exercise keying and ordering, few enough to start fast. */
const TEST_PARTITIONS = 3;

/**
 * Kafka and Postgres for one test run: fresh local processes (their data wiped first, so every
 * run starts from the same state), testcontainers, or the KAFKA_BROKERS / DATABASE_URL given.
 * Exports the connection settings, and the intent model's folder (fetched on first use), to the
 * environment that the test workers inherit.
 */
export async function startTestInfrastructure(): Promise<Infrastructure> {
  if (!process.env.KAFKA_BROKERS && !process.env.DATABASE_URL) await wipeLocalData('test', log);
  const infrastructure = await provisionInfrastructure({ profile: 'test', log });
  try {
    const kafka = createKafkaClient({
      brokers: infrastructure.kafkaBrokers,
      clientId: 'test-setup',
      logger: pino({ level: 'warn' }),
    });
    const created = await ensureTopics(kafka, ALL_TOPICS, TEST_PARTITIONS);
    log(`topics ready (${created.length} created)`);
    process.env.KAFKA_BROKERS = infrastructure.kafkaBrokers.join(',');
    process.env.DATABASE_URL = infrastructure.databaseUrl;
    process.env.KAFKA_TOPIC_PARTITIONS = String(TEST_PARTITIONS);
    process.env.INTENT_MODEL_DIR ??= await installIntentModel({ log });
    return infrastructure;
  } catch (error) {
    // Jest runs no global teardown after a failed setup: the detached servers must not outlive it.
    await infrastructure.stop();
    throw error;
  }
}
