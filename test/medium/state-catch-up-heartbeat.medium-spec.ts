import { randomUUID } from 'node:crypto';
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern } from '@nestjs/microservices';
import pino from 'pino';
import { conversationStateValidator, uncontractedTopic, type ConversationStateRecord } from '@app/contracts';
import {
  CompactedTopicView,
  ConsumerAssignment,
  KafkaConsumerTransport,
  createKafkaClient,
  createProducer,
  ensureTopics,
  type ConsumedBatch,
  type Kafka,
} from '@app/kafka';
import { waitFor } from '@app/testing';
import {
  ConversationStateStore,
  conversationIdOfStateKey,
  conversationStateKey,
  isNewerState,
  isStaleState,
} from '../../apps/trigger-matcher/src/state/conversation-state.store';

/** Longer than the consumer group's session timeout (10 s, KafkaConsumerTransport). */
const RESTORE_MS = 14_000;

/**
 * A takeover with CONVERSATION_STATE_STANDBY=none restores the partition before its first batch
 * goes on, and a large one takes longer than the group's session timeout: the member keeps
 * heartbeating meanwhile, so the group does not drop it and the batch commits in the same
 * generation. (The restore is made slow here; bench:state-restore measures real ones.)
 */
describe('a state catch-up longer than the session timeout (real Kafka)', () => {
  const run = randomUUID().slice(0, 8);
  const events = `medium.${run}.slow-restore-events`;
  const states = `medium.${run}.slow-restore-states`;
  const logger = pino({ level: 'silent' });
  let kafka: Kafka;
  let view: CompactedTopicView<ConversationStateRecord>;
  let app: INestMicroservice | undefined;
  const committed: string[] = [];

  beforeAll(async () => {
    kafka = createKafkaClient({ brokers: process.env.KAFKA_BROKERS!.split(','), clientId: 'medium', logger });
    await ensureTopics(kafka, [events, states].map(uncontractedTopic), 1);
  });

  afterAll(async () => {
    await app?.close();
    await view?.stop();
  });

  it('heartbeats while it catches up, and commits its batch in the same generation', async () => {
    view = new CompactedTopicView<ConversationStateRecord>({
      kafka,
      topic: states,
      validator: conversationStateValidator,
      name: `medium-slow-restore-${run}`,
      logger,
      isNewer: isNewerState,
      isStale: isStaleState,
      partitions: 'on_request',
      partitionKeyOf: conversationIdOfStateKey,
    });
    await view.start();
    const catchUp = view.catchUp.bind(view);
    view.catchUp = async (partition, stallMs) => {
      await new Promise((resolve) => setTimeout(resolve, RESTORE_MS));
      return catchUp(partition, stallMs);
    };
    const assignment = new ConsumerAssignment();
    const store = new ConversationStateStore(view, assignment);

    @Controller()
    class Handler {
      @EventPattern(events)
      async onEvent(batch: ConsumedBatch) {
        const session = await store.session(batch);
        for (const message of batch.messages) {
          const state = session.get('tenant-slow', message.key!.toString(), new Date().toISOString());
          session.stage({ ...state, failedAnswers: state.failedAnswers + 1 });
        }
        batch.afterCommit(() => committed.push(...batch.messages.map((message) => message.key!.toString())));
        return session.records();
      }
    }
    @Module({ controllers: [Handler] })
    class HandlerModule {}
    app = await NestFactory.createMicroservice(HandlerModule, {
      strategy: new KafkaConsumerTransport({
        kafka,
        groupId: `medium-slow-restore-${run}`,
        topics: [events],
        logger,
        transactionalId: `medium-slow-restore-${run}`,
        assignment,
      }),
      logger: false,
    });
    await app.listen();
    await waitFor('the partition to be assigned', () => (assignment.partitions().size === 1 ? true : undefined));
    const generation = assignment.generation;

    const producer = createProducer(kafka);
    await producer.connect();
    await producer.send({ topic: events, acks: -1, messages: [{ key: 'conv-1', value: 'event' }] });
    await producer.disconnect();

    await waitFor('the batch to commit', () => (committed.includes('conv-1') ? true : undefined), 40_000);
    expect(assignment.generation).toBe(generation);
    expect(view.get(conversationStateKey('tenant-slow', 'conv-1'))?.failedAnswers).toBe(1);
  }, 60_000);
});
