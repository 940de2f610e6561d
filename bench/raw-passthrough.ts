import { parseArgs } from 'node:util';
import pino from 'pino';
import { createKafkaClient, createProducer, jsonRecord, sendChunked } from '@app/kafka';

/**
 * The yardstick's (a): a bare kafkajs service that consumes, parses and produces, batch by batch,
 * committing offsets after producing. Run as its own process, like the services it is compared
 * with; prints `ready` once its group is joined, and stops on SIGTERM.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      brokers: { type: 'string' },
      in: { type: 'string' },
      out: { type: 'string' },
      group: { type: 'string' },
    },
  });
  if (!values.brokers || !values.in || !values.out || !values.group) {
    throw new Error('usage: node dist/bench/raw-passthrough.js --brokers B --in TOPIC --out TOPIC --group ID');
  }
  const output = values.out;
  const kafka = createKafkaClient({
    brokers: values.brokers.split(','),
    clientId: 'raw-passthrough',
    logger: pino({ level: 'error' }),
  });
  const consumer = kafka.consumer({ groupId: values.group });
  const producer = createProducer(kafka);
  await Promise.all([consumer.connect(), producer.connect()]);
  await consumer.subscribe({ topic: values.in, fromBeginning: false });
  consumer.on(consumer.events.GROUP_JOIN, () => process.stdout.write('ready\n'));
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch, resolveOffset }) => {
      const records = batch.messages.map((message) => {
        const event = JSON.parse(message.value?.toString('utf8') ?? 'null') as { subject: string };
        return jsonRecord(output, event.subject, event);
      });
      await sendChunked(producer, records);
      const last = batch.lastOffset();
      await consumer.commitOffsets([
        { topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() },
      ]);
      resolveOffset(last);
    },
  });
  process.on('SIGTERM', () => {
    void Promise.all([consumer.disconnect(), producer.disconnect()]).then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`raw-passthrough failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
