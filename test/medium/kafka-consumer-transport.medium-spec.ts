import { randomUUID } from 'node:crypto';
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern } from '@nestjs/microservices';
import { Type } from '@sinclair/typebox';
import type { Kafka, Producer } from '@app/kafka';
import pino from 'pino';
import { compileValidator, deadLetterTopicOf, uncontractedTopic } from '@app/contracts';
import {
  DeadLetterHeaders,
  KafkaConsumerTransport,
  createKafkaClient,
  createProducer,
  ensureTopics,
  jsonRecord,
  processEach,
  type ConsumedBatch,
} from '@app/kafka';
import { waitFor } from '@app/testing';

const run = randomUUID().slice(0, 8);
const input = `medium.${run}.in`;
const output = `medium.${run}.out`;
const numberValidator = compileValidator(Type.Object({ n: Type.Integer() }, { additionalProperties: false }));

/** Fails the first time it sees each n listed in `failOnce`, to prove that a failed batch is redone without duplicates. */
const failOnce = new Set<number>();
const handled: number[] = [];

@Controller()
class DoublingHandler {
  @EventPattern(input)
  handle(batch: ConsumedBatch) {
    return processEach(batch, numberValidator, 'medium-test', ({ n }, message) => {
      if (failOnce.delete(n)) throw new Error(`transient failure on ${n}`);
      handled.push(n);
      // Same key in, same key out: one partition, so the output order is observable.
      return [jsonRecord(output, message.key?.toString() ?? '', { n: n * 2 })];
    });
  }
}

@Module({ controllers: [DoublingHandler] })
class TestModule {}

describe('KafkaConsumerTransport (real Kafka)', () => {
  const logger = pino({ level: 'silent' });
  let kafka: Kafka;
  let producer: Producer;
  let app: INestMicroservice;

  beforeAll(async () => {
    kafka = createKafkaClient({ brokers: process.env.KAFKA_BROKERS!.split(','), clientId: 'medium', logger });
    await ensureTopics(kafka, [input, output, deadLetterTopicOf(input)].map(uncontractedTopic), 2);
    producer = createProducer(kafka);
    await producer.connect();
    app = await NestFactory.createMicroservice(TestModule, {
      strategy: new KafkaConsumerTransport({
        kafka,
        groupId: `medium-${run}`,
        topics: [input],
        logger,
        transactionalId: `medium-${run}`,
      }),
      logger: false,
    });
    await app.listen();
  });

  afterAll(async () => {
    await app?.close();
    await producer?.disconnect();
  });

  async function readAll(topic: string, count: number) {
    const seen: { key: string; value: string; headers: Record<string, string> }[] = [];
    const consumer = kafka.consumer({ groupId: `medium-reader-${randomUUID()}`, readUncommitted: false });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = String(value);
        seen.push({ key: message.key?.toString() ?? '', value: message.value?.toString() ?? '', headers });
      },
    });
    try {
      await waitFor(`${count} records on ${topic}`, () => (seen.length >= count ? true : undefined));
      // Anything beyond `count` would be a duplicate: give it a moment to show up.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      return seen;
    } finally {
      await consumer.disconnect();
    }
  }

  it('publishes what handlers return, in order, and dead-letters poison records with their original bytes', async () => {
    await producer.send({
      topic: input,
      messages: [
        { key: 'k', value: JSON.stringify({ n: 1 }) },
        { key: 'k', value: 'not json' },
        { key: 'k', value: JSON.stringify({ n: 'two' }) },
        { key: 'k', value: JSON.stringify({ n: 3 }) },
      ],
    });
    const doubled = await readAll(output, 2);
    expect(doubled.map((record) => JSON.parse(record.value))).toEqual([{ n: 2 }, { n: 6 }]);
    const dead = await readAll(deadLetterTopicOf(input), 2);
    expect(dead.map((record) => record.value)).toEqual(['not json', JSON.stringify({ n: 'two' })]);
    expect(dead.map((record) => record.headers[DeadLetterHeaders.reasonCode])).toEqual([
      'malformed_json',
      'schema_violation',
    ]);
    expect(dead[1]!.headers[DeadLetterHeaders.reason]).toContain('/n must be integer');
    expect(dead[0]!.headers[DeadLetterHeaders.sourceTopic]).toBe(input);
  });

  it('redoes a batch whose handler failed, and the transaction lets no partial output through', async () => {
    failOnce.add(20);
    await producer.send({
      topic: input,
      messages: [10, 20, 30].map((n) => ({ key: 'k', value: JSON.stringify({ n }) })),
    });
    const all = await readAll(output, 5);
    const values = all.map((record) => (JSON.parse(record.value) as { n: number }).n);
    // 10 was handled twice (before the failure and on the retry) but published once.
    expect(handled.filter((n) => n === 10)).toHaveLength(2);
    expect(values).toEqual([2, 6, 20, 40, 60]);
  });
});
