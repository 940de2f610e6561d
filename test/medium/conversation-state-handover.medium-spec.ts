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
  partitionOfKey,
  type ConsumedBatch,
  type Kafka,
  type Producer,
} from '@app/kafka';
import { viewRecordsRead } from '@app/metrics';
import { waitFor } from '@app/testing';
import {
  ConversationStateStore,
  conversationIdOfStateKey,
  conversationStateKey,
  isNewerState,
  isStaleState,
} from '../../apps/trigger-matcher/src/state/conversation-state.store';

const PARTITIONS = 3;
const TENANT = 'tenant-handover';

/** Conversation id → the count its last committed state holds, and the member that wrote it. */
type Committed = Map<string, { count: number; member: string }>;

/**
 * A member counts each conversation's events in its state (failedAnswers stands for any state),
 * the way trigger-matcher keeps it: a ConversationStateStore over its own view of the state topic,
 * the states committed in the batch's transaction. An event "forget" deletes the state.
 */
function memberModule(events: string, member: string, store: ConversationStateStore, committed: Committed) {
  @Controller()
  class CountingHandler {
    @EventPattern(events)
    async onEvent(batch: ConsumedBatch) {
      const session = await store.session(batch);
      const counts = new Map<string, number>();
      for (const message of batch.messages) {
        const conversationId = message.key!.toString();
        if (message.value?.toString() === 'forget') {
          session.remove(TENANT, conversationId);
          counts.set(conversationId, 0);
          continue;
        }
        const state = session.get(TENANT, conversationId, new Date().toISOString());
        session.stage({ ...state, failedAnswers: state.failedAnswers + 1 });
        counts.set(conversationId, state.failedAnswers + 1);
      }
      batch.afterCommit(() => counts.forEach((count, id) => committed.set(id, { count, member })));
      return session.records();
    }
  }
  @Module({ controllers: [CountingHandler] })
  class MemberModule {}
  return MemberModule;
}

interface Member {
  name: string;
  app: INestMicroservice;
  view: CompactedTopicView<ConversationStateRecord>;
  assignment: ConsumerAssignment;
}

/**
 * Conversation state follows its partition from member to member: a member taking a partition
 * over continues from what the previous owner committed, including its deletions, and a member
 * getting a partition back sees what was written while another owned it. A member does not read
 * back the states it wrote to the partitions it holds. With every partition followed (a warm
 * standby) each member's view holds every conversation; with partitions followed on request
 * (CONVERSATION_STATE_STANDBY=none), only those of the partitions it owns.
 */
describe.each(['all', 'on_request'] as const)(
  'conversation state across rebalances, %s partitions (real Kafka)',
  (partitions) => {
    const run = `${randomUUID().slice(0, 8)}-${partitions.replace('_', '-')}`;
    const events = `medium.${run}.handover-events`;
    const states = `medium.${run}.handover-states`;
    const committed: Committed = new Map();
    const logger = pino({ level: 'silent' });
    let kafka: Kafka;
    let producer: Producer;
    const members = new Map<string, Member>();
    /** Four conversations on each partition. */
    const candidates = Array.from({ length: 100 }, (_, i) => `conv-${run}-${i}`);
    const conversations = Array.from({ length: PARTITIONS }, (_, partition) =>
      candidates.filter((id) => partitionOfKey(id, PARTITIONS) === partition).slice(0, 4),
    ).flat();

    async function startMember(name: string): Promise<Member> {
      const view = new CompactedTopicView<ConversationStateRecord>({
        kafka,
        topic: states,
        validator: conversationStateValidator,
        name: `medium-handover-${run}-${name}`,
        logger,
        isNewer: isNewerState,
        isStale: isStaleState,
        partitions,
        partitionKeyOf: conversationIdOfStateKey,
      });
      await view.start();
      const assignment = new ConsumerAssignment();
      const store = new ConversationStateStore(view, assignment);
      const app = await NestFactory.createMicroservice(memberModule(events, name, store, committed), {
        strategy: new KafkaConsumerTransport({
          kafka,
          groupId: `medium-handover-${run}`,
          topics: [events],
          logger,
          transactionalId: `medium-handover-${run}-${name}`,
          assignment,
        }),
        logger: false,
      });
      await app.listen();
      const member = { name, app, view, assignment };
      members.set(name, member);
      return member;
    }

    async function stopMember(name: string): Promise<void> {
      const member = members.get(name)!;
      members.delete(name);
      await member.app.close();
      await member.view.stop();
    }

    const owned = (name: string) => [...members.get(name)!.assignment.partitionsOf(events)].sort();

    /** Waits until the running members share every partition, each owning some. */
    async function waitForOwners(): Promise<void> {
      const names = [...members.keys()];
      await waitFor(`${names.join(' and ')} to share the partitions`, () =>
        names.every((name) => owned(name).length > 0) &&
        names.reduce((sum, name) => sum + owned(name).length, 0) === PARTITIONS
          ? true
          : undefined,
      );
    }

    /** Sends one event per conversation and waits until each one's state holds what is expected. */
    async function sendAndWait(value: (id: string) => string, expected: (id: string) => number): Promise<void> {
      await producer.send({
        topic: events,
        acks: -1,
        messages: conversations.map((id) => ({ key: id, value: value(id) })),
      });
      await waitFor('every conversation to be counted', () =>
        conversations.every((id) => committed.get(id)?.count === expected(id)) ? true : undefined,
      );
    }

    async function recordsRead(name: string): Promise<number> {
      const { values } = await viewRecordsRead.get();
      return values.find(({ labels }) => labels.view === `medium-handover-${run}-${name}`)?.value ?? 0;
    }

    beforeAll(async () => {
      kafka = createKafkaClient({ brokers: process.env.KAFKA_BROKERS!.split(','), clientId: 'medium', logger });
      await ensureTopics(kafka, [events, states].map(uncontractedTopic), PARTITIONS);
      producer = createProducer(kafka);
      await producer.connect();
    });

    afterAll(async () => {
      for (const name of [...members.keys()]) await stopMember(name);
      await producer?.disconnect();
    });

    it('continues from the previous owner, and from what was written while another member owned the partition', async () => {
      expect(conversations).toHaveLength(4 * PARTITIONS);
      await startMember('a');
      await waitForOwners();
      await sendAndWait(
        () => 'event',
        () => 1,
      );
      // a holds its partitions: its view does not read back the states it wrote.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(await recordsRead('a')).toBe(0);

      await startMember('b');
      await waitForOwners();
      await sendAndWait(
        () => 'event',
        () => 2,
      );
      const movedToB = conversations.filter((id) => committed.get(id)?.member === 'b');
      expect(movedToB.length).toBeGreaterThan(0);
      for (const name of ['a', 'b']) {
        const { view } = members.get(name)!;
        const ownedByName = conversations.filter((id) => owned(name).includes(partitionOfKey(id, PARTITIONS)));
        const expected = (partitions === 'all' ? conversations : ownedByName).join(' ');
        const held = () =>
          conversations.filter((id) => view.get(conversationStateKey(TENANT, id))?.failedAnswers === 2).join(' ');
        await waitFor(`${name}'s view to hold ${expected}`, () =>
          held() === expected && view.size === expected.split(' ').length ? true : undefined,
        );
      }
      // One conversation of b's is forgotten, another counted once more, while b owns them.
      const [forgotten, counted] = movedToB;
      await producer.send({
        topic: events,
        acks: -1,
        messages: [
          { key: forgotten!, value: 'forget' },
          { key: counted!, value: 'event' },
        ],
      });
      await waitFor('b to commit both', () =>
        committed.get(forgotten!)?.count === 0 && committed.get(counted!)?.count === 3 ? true : undefined,
      );

      await stopMember('b');
      await waitForOwners();
      await sendAndWait(
        () => 'event',
        (id) => (id === forgotten ? 1 : id === counted ? 4 : 3),
      );
      expect(new Set(conversations.map((id) => committed.get(id)?.member))).toEqual(new Set(['a']));
    });
  },
);
