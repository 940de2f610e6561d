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
  RECORD_MAX_BYTES,
  createKafkaClient,
  createProducer,
  ensureTopics,
  jsonRecord,
  processEach,
  type ConsumedBatch,
} from '@app/kafka';
import { deadLettered, eventsProduced } from '@app/metrics';
import { waitFor } from '@app/testing';

const numberValidator = compileValidator(Type.Object({ n: Type.Integer() }, { additionalProperties: false }));

/** Kafka refuses a record this large (the topic's max.message.bytes): its batch's transaction fails. */
const OVERSIZED = 'x'.repeat(RECORD_MAX_BYTES + 1024);

/**
 * A handler doubling numbers from `input` to `output`. It fails the first time it sees each n in
 * `failOnce`, and returns an output too large to commit the first time it sees each n in
 * `oversizeOnce`, to prove that a failed batch or a failed commit is redone without duplicates.
 * For each n in `later` its output comes through `publishLater`, 300 ms after the handler
 * returned, and fails the first time for each n in `failLaterOnce`.
 */
function doublingApp(input: string, output: string) {
  const failOnce = new Set<number>();
  const oversizeOnce = new Set<number>();
  const later = new Set<number>();
  const failLaterOnce = new Set<number>();
  const handled: number[] = [];
  /** How many processed batches the transport discarded (to be read again). */
  const discarded = { count: 0 };
  /** Where each committed batch's output landed, as the transport told afterCommit. */
  const written: { partition: number; offset: string }[] = [];

  @Controller()
  class DoublingHandler {
    @EventPattern(input)
    handle(batch: ConsumedBatch) {
      batch.afterDiscard(() => (discarded.count += 1));
      batch.afterCommit((offsets) => {
        for (const partition of [0, 1]) {
          const offset = offsets.lastBaseOffset(output, partition);
          if (offset !== undefined) written.push({ partition, offset: String(offset) });
        }
      });
      return processEach(batch, numberValidator, 'medium-test', ({ n }, message) => {
        if (failOnce.delete(n)) throw new Error(`transient failure on ${n}`);
        handled.push(n);
        const value = oversizeOnce.delete(n) ? { n: n * 2, padding: OVERSIZED } : { n: n * 2 };
        // Same key in, same key out: one partition, so the output order is observable.
        const record = jsonRecord(output, message.key?.toString() ?? '', value);
        if (!later.has(n)) return [record];
        const fails = failLaterOnce.delete(n);
        batch.publishLater(
          new Promise((resolve, reject) =>
            setTimeout(() => (fails ? reject(new Error(`output of ${n} failed`)) : resolve([record])), 300),
          ),
        );
        return [];
      });
    }
  }

  @Module({ controllers: [DoublingHandler] })
  class TestModule {}

  return { module: TestModule, failOnce, oversizeOnce, later, failLaterOnce, handled, discarded, written };
}

/**
 * Kafka whose transactional producers can be told to have their next commit reported failed, as
 * when EndTxn's reply is lost: `landsNext` really commits first, `missesNext` never sends it (the
 * transaction stays open). Either way kafkajs then refuses the abort, as it does after any failed
 * commit (its state stays COMMITTING).
 */
function withLostCommitReplies(kafka: Kafka) {
  const next = { landsNext: false, missesNext: false };
  const refuseAbort = async () => {
    throw new Error('Transaction state exception: Cannot call "abort" in state "COMMITTING"');
  };
  const lossy = {
    consumer: (options: Parameters<Kafka['consumer']>[0]) => kafka.consumer(options),
    admin: (options?: Parameters<Kafka['admin']>[0]) => kafka.admin(options),
    producer: (options?: Parameters<Kafka['producer']>[0]) => {
      const producer = kafka.producer(options);
      return {
        ...producer,
        transaction: async () => {
          const transaction = await producer.transaction();
          return {
            ...transaction,
            commit: async () => {
              if (next.missesNext) {
                next.missesNext = false;
                transaction.abort = refuseAbort;
                throw new Error('Request EndTxn timed out (simulated: never sent)');
              }
              await transaction.commit();
              if (!next.landsNext) return;
              next.landsNext = false;
              transaction.abort = refuseAbort;
              throw new Error('Request EndTxn timed out (simulated: the reply was lost)');
            },
            abort: () => transaction.abort(),
          };
        },
      };
    },
  } as unknown as Kafka;
  return { kafka: lossy, next };
}

describe.each([
  ['each batch waits for its commit', false],
  ['pipelined commits', true],
])('KafkaConsumerTransport (real Kafka), %s', (_mode, pipelineCommits) => {
  const logger = pino({ level: 'silent' });
  const run = randomUUID().slice(0, 8);
  const input = `medium.${run}.in`;
  const output = `medium.${run}.out`;
  const { module, failOnce, oversizeOnce, later, failLaterOnce, handled, discarded, written } = doublingApp(
    input,
    output,
  );
  let kafka: Kafka;
  let commitReplies: ReturnType<typeof withLostCommitReplies>;
  let producer: Producer;
  let app: INestMicroservice;

  async function startMember(memberId: string): Promise<INestMicroservice> {
    const member = await NestFactory.createMicroservice(module, {
      strategy: new KafkaConsumerTransport({
        kafka: commitReplies.kafka,
        groupId: `medium-${run}`,
        topics: [input],
        logger,
        transactionalId: `medium-${run}-${memberId}`,
        pipelineCommits,
      }),
      logger: false,
    });
    await member.listen();
    return member;
  }

  beforeAll(async () => {
    kafka = createKafkaClient({ brokers: process.env.KAFKA_BROKERS!.split(','), clientId: 'medium', logger });
    commitReplies = withLostCommitReplies(kafka);
    await ensureTopics(kafka, [input, output, deadLetterTopicOf(input)].map(uncontractedTopic), 2);
    producer = createProducer(kafka);
    await producer.connect();
    app = await startMember('a');
  });

  afterAll(async () => {
    await app?.close();
    await producer?.disconnect();
  });

  /** aw_events_produced_total for a topic. */
  async function producedTo(topic: string): Promise<number> {
    const { values } = await eventsProduced.get();
    return values.find((value) => value.labels.topic === topic)?.value ?? 0;
  }

  /** aw_dead_lettered_total for this suite's dead-letter topic. */
  async function deadLettersCounted(): Promise<number> {
    const { values } = await deadLettered.get();
    return values.find((value) => value.labels.topic === deadLetterTopicOf(input))?.value ?? 0;
  }

  async function readAll(topic: string, count: number) {
    const seen: { key: string; value: string; headers: Record<string, string>; partition: number; offset: string }[] =
      [];
    const consumer = kafka.consumer({ groupId: `medium-reader-${randomUUID()}`, readUncommitted: false });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = String(value);
        seen.push({
          key: message.key?.toString() ?? '',
          value: message.value?.toString() ?? '',
          headers,
          partition,
          offset: message.offset,
        });
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
    // afterCommit learnt where the output landed: each offset it was told holds a doubled record.
    expect(written.length).toBeGreaterThan(0);
    for (const landed of written) {
      expect(doubled.map(({ partition, offset }) => ({ partition, offset }))).toContainEqual(landed);
    }
    const dead = await readAll(deadLetterTopicOf(input), 2);
    expect(dead.map((record) => record.value)).toEqual(['not json', JSON.stringify({ n: 'two' })]);
    expect(dead.map((record) => record.headers[DeadLetterHeaders.reasonCode])).toEqual([
      'malformed_json',
      'schema_violation',
    ]);
    expect(dead[1]!.headers[DeadLetterHeaders.reason]).toContain('/n must be integer');
    expect(dead[0]!.headers[DeadLetterHeaders.sourceTopic]).toBe(input);
  });

  it('dead-letters a record as large as the broker takes, though its dead letter is larger still', async () => {
    // The topic takes record batches up to RECORD_MAX_BYTES; the dead letter adds its headers.
    const largest = 'x'.repeat(RECORD_MAX_BYTES - 1024);
    await producer.send({ topic: input, messages: [{ key: 'k', value: largest }] });
    const dead = await readAll(deadLetterTopicOf(input), 3);
    expect(dead[2]).toMatchObject({ value: largest, headers: { [DeadLetterHeaders.reasonCode]: 'malformed_json' } });
  });

  it('redoes a batch whose handler failed, and the transaction lets no partial output through', async () => {
    failOnce.add(20);
    const discardedBefore = discarded.count;
    const deadLettersBefore = await deadLettersCounted();
    const producedBefore = await producedTo(output);
    await producer.send({
      topic: input,
      messages: [
        { key: 'k', value: JSON.stringify({ n: 10 }) },
        { key: 'k', value: 'not json either' },
        ...[20, 30].map((n) => ({ key: 'k', value: JSON.stringify({ n }) })),
      ],
    });
    const all = await readAll(output, 5);
    const values = all.map((record) => (JSON.parse(record.value) as { n: number }).n);
    // 10 was handled twice (before the failure and on the retry) but published once.
    expect(handled.filter((n) => n === 10)).toHaveLength(2);
    expect(values).toEqual([2, 6, 20, 40, 60]);
    expect(discarded.count).toBeGreaterThan(discardedBefore);
    // The dead letter was built on both attempts, committed and counted once.
    expect((await readAll(deadLetterTopicOf(input), 4))[3]!.value).toBe('not json either');
    expect((await deadLettersCounted()) - deadLettersBefore).toBe(1);
    // 20, 40 and 60 landed, once each.
    expect((await producedTo(output)) - producedBefore).toBe(3);
  });

  it('reads a batch whose commit failed again, with the batches after it, and publishes each once', async () => {
    oversizeOnce.add(100);
    const discardedBefore = discarded.count;
    // Separate sends, so that later batches are processed (and, pipelined, queued) behind the failing one.
    await producer.send({ topic: input, messages: [{ key: 'k', value: JSON.stringify({ n: 100 }) }] });
    for (const n of [101, 102, 103]) {
      await producer.send({ topic: input, messages: [{ key: 'k', value: JSON.stringify({ n }) }] });
    }
    const all = await readAll(output, 9);
    const values = all.map((record) => (JSON.parse(record.value) as { n: number }).n);
    expect(handled.filter((n) => n === 100).length).toBeGreaterThanOrEqual(2);
    expect(values).toEqual([2, 6, 20, 40, 60, 200, 202, 204, 206]);
    // The batch whose commit failed (and, pipelined, any queued behind it) was told it will not commit.
    expect(discarded.count).toBeGreaterThan(discardedBefore);
  });

  it('commits records published later with their batch, after those of earlier batches; a failed one is redone', async () => {
    for (const n of [300, 302]) later.add(n);
    failLaterOnce.add(302);
    const discardedBefore = discarded.count;
    for (const n of [300, 301, 302, 303]) {
      await producer.send({ topic: input, messages: [{ key: 'k', value: JSON.stringify({ n }) }] });
    }
    const all = await readAll(output, 13);
    const values = all.map((record) => (JSON.parse(record.value) as { n: number }).n);
    expect(values.slice(0, 9)).toEqual([2, 6, 20, 40, 60, 200, 202, 204, 206]);
    // Each once; in input order unless a later output shared its batch with the next input.
    expect([...values.slice(9)].sort((a, b) => a - b)).toEqual([600, 602, 604, 606]);
    expect(values.indexOf(600)).toBeLessThan(values.indexOf(604));
    expect(handled.filter((n) => n === 302).length).toBeGreaterThanOrEqual(2);
    expect(discarded.count).toBeGreaterThan(discardedBefore);
  });

  it('hands partitions over to a member joining mid-stream without losing or repeating a record', async () => {
    const numbers = Array.from({ length: 600 }, (_, index) => 1_000 + index);
    const sending = (async () => {
      for (let start = 0; start < numbers.length; start += 20) {
        await producer.send({
          topic: input,
          messages: numbers.slice(start, start + 20).map((n) => ({ key: `k${n % 7}`, value: JSON.stringify({ n }) })),
        });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const second = await startMember('b');
    try {
      await sending;
      const all = await readAll(output, 13 + numbers.length);
      const doubled = all.map((record) => (JSON.parse(record.value) as { n: number }).n).filter((n) => n >= 2_000);
      expect(doubled.sort((a, b) => a - b)).toEqual(numbers.map((n) => n * 2));
    } finally {
      await second.close();
    }
  });

  it('settles a commit reported failed: one that landed is not done again, one that did not is', async () => {
    const producedBefore = await producedTo(output);
    commitReplies.next.landsNext = true;
    await producer.send({ topic: input, messages: [{ key: 'k', value: JSON.stringify({ n: 5_000 }) }] });
    await waitFor('the commit whose reply is lost', () => (commitReplies.next.landsNext ? undefined : true));
    commitReplies.next.missesNext = true;
    await producer.send({ topic: input, messages: [{ key: 'k', value: JSON.stringify({ n: 5_001 }) }] });

    const all = await readAll(output, 13 + 600 + 2);
    const values = all.map((record) => (JSON.parse(record.value) as { n: number }).n).filter((n) => n >= 10_000);
    expect(values).toEqual([10_000, 10_002]);
    expect(commitReplies.next.missesNext).toBe(false);
    // 5,000 landed the first time: the transport learnt it from the group's offsets and went on.
    expect(handled.filter((n) => n === 5_000)).toHaveLength(1);
    // 5,001's transaction was left open: the new producer's epoch aborted it, and the batch was redone.
    expect(handled.filter((n) => n === 5_001)).toHaveLength(2);
    expect((await producedTo(output)) - producedBefore).toBe(2);
  });
});
