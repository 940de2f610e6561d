import { randomUUID } from 'node:crypto';
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern } from '@nestjs/microservices';
import pino from 'pino';
import { uncontractedTopic } from '@app/contracts';
import {
  ConsumerAssignment,
  KafkaConsumerTransport,
  createKafkaClient,
  createProducer,
  ensureTopics,
  type ConsumedBatch,
  type Kafka,
  type Producer,
} from '@app/kafka';
import { waitFor } from '@app/testing';

const run = randomUUID().slice(0, 8);
const events = `medium.${run}.events`;
const ticks = `medium.${run}.ticks`;
const PARTITIONS = 3;

/** Which member handled each (topic, key). */
const handledBy = new Map<string, string>();

function memberModule(member: string) {
  @Controller()
  class RecordingHandler {
    @EventPattern(events)
    onEvent(batch: ConsumedBatch) {
      return this.record(batch);
    }

    @EventPattern(ticks)
    onTick(batch: ConsumedBatch) {
      return this.record(batch);
    }

    private record(batch: ConsumedBatch) {
      for (const message of batch.messages) handledBy.set(`${batch.topic}|${message.key?.toString()}`, member);
      return [];
    }
  }
  @Module({ controllers: [RecordingHandler] })
  class MemberModule {}
  return MemberModule;
}

describe('co-partitioned consumer groups (real Kafka)', () => {
  const logger = pino({ level: 'silent' });
  let kafka: Kafka;
  let producer: Producer;
  const members: { name: string; app: INestMicroservice; assignment: ConsumerAssignment }[] = [];

  beforeAll(async () => {
    kafka = createKafkaClient({ brokers: process.env.KAFKA_BROKERS!.split(','), clientId: 'medium', logger });
    await ensureTopics(kafka, [events, ticks].map(uncontractedTopic), PARTITIONS);
    producer = createProducer(kafka);
    await producer.connect();
    for (const name of ['a', 'b']) {
      const assignment = new ConsumerAssignment();
      const app = await NestFactory.createMicroservice(memberModule(name), {
        strategy: new KafkaConsumerTransport({
          kafka,
          groupId: `medium-copartitioned-${run}`,
          topics: [events, ticks],
          logger,
          transactionalId: `medium-copartitioned-${run}-${name}`,
          coPartitioned: true,
          assignment,
        }),
        logger: false,
      });
      await app.listen();
      members.push({ name, app, assignment });
    }
  });

  afterAll(async () => {
    for (const { app } of members) await app.close();
    await producer?.disconnect();
  });

  it('gives partition p of both topics to the same member, so both records of a key meet there', async () => {
    const owned = (topic: string) => members.map(({ assignment }) => [...assignment.partitionsOf(topic)].sort());
    await waitFor('both members to own partitions', () =>
      owned(events).every((partitions) => partitions.length > 0) &&
      owned(events).flat().length === PARTITIONS &&
      owned(ticks).flat().length === PARTITIONS
        ? true
        : undefined,
    );
    expect(owned(ticks)).toEqual(owned(events));

    const keys = Array.from({ length: 30 }, (_, i) => `conv-${i}`);
    for (const topic of [events, ticks]) {
      await producer.send({ topic, acks: -1, messages: keys.map((key) => ({ key, value: '{}' })) });
    }
    await waitFor('every record to be handled', () => (handledBy.size === keys.length * 2 ? true : undefined));
    for (const key of keys) expect(handledBy.get(`${ticks}|${key}`)).toBe(handledBy.get(`${events}|${key}`));
    expect(new Set(handledBy.values())).toEqual(new Set(['a', 'b']));
  });
});
