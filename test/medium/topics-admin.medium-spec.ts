import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { ConfigResourceTypes, type Admin } from 'kafkajs';
import { Topics, uncontractedTopic } from '@app/contracts';
import { RECORD_MAX_BYTES, createKafkaClient, ensureTopics, type Kafka } from '@app/kafka';

/**
 * ensureTopics against the real broker: topics made, dead-letter topics of an older make given room,
 * and topics of personal data their erasure bound.
 */
/** Room for a refused record as large as any topic takes, and the headers naming why. */
const DEAD_LETTER_BYTES = RECORD_MAX_BYTES + 1024 * 1024;

describe('ensureTopics (real Kafka)', () => {
  let kafka: Kafka;
  let admin: Admin;

  beforeAll(async () => {
    kafka = createKafkaClient({
      brokers: process.env.KAFKA_BROKERS!.split(','),
      clientId: 'medium-topics',
      logger: pino({ level: 'silent' }),
    });
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(() => admin?.disconnect());

  async function settingsOf(topic: string): Promise<Record<string, string>> {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
    });
    return Object.fromEntries(resources[0]!.configEntries.map((entry) => [entry.configName, entry.configValue]));
  }

  it('gives an existing dead-letter topic room for large dead letters, keeping its other settings', async () => {
    const dlq = `medium-topics-${randomUUID()}.dlq`;
    // As an older release made it: the broker's default record size, and an operator's retention.
    await admin.createTopics({
      topics: [{ topic: dlq, numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '123456789' }] }],
    });
    expect(Number((await settingsOf(dlq))['max.message.bytes'])).toBeLessThan(DEAD_LETTER_BYTES);

    expect(await ensureTopics(kafka, [uncontractedTopic(dlq)], 1)).toEqual([]);
    expect(await settingsOf(dlq)).toMatchObject({
      'max.message.bytes': String(DEAD_LETTER_BYTES),
      'retention.ms': '123456789',
    });
  });

  it('gives every topic room for records larger than the broker’s default, made now or by an older release', async () => {
    const older = `medium-topics-${randomUUID()}`;
    await admin.createTopics({ topics: [{ topic: older, numPartitions: 1 }] });
    const created = `medium-topics-${randomUUID()}`;
    expect(await ensureTopics(kafka, [uncontractedTopic(older), uncontractedTopic(created)], 1)).toEqual([created]);
    for (const topic of [older, created]) {
      expect(await settingsOf(topic)).toMatchObject({ 'max.message.bytes': String(RECORD_MAX_BYTES) });
    }
  });

  it('bounds how long an erased value stays in an existing topic of personal data', async () => {
    const topic = `medium-topics-${randomUUID()}`;
    const contract = { ...Topics.contactMemory, name: topic };
    const day = String(24 * 3_600_000);
    // As an older release made it: compacted, the broker's week-long segments.
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
    });
    expect(Number((await settingsOf(topic))['segment.ms'])).toBeGreaterThan(Number(day));

    expect(await ensureTopics(kafka, [contract], 1)).toEqual([]);
    expect(await settingsOf(topic)).toMatchObject({
      'cleanup.policy': 'compact',
      'segment.ms': day,
      'max.compaction.lag.ms': day,
    });
  });

  it('keeps an operator’s tighter setting while it adds the one a topic lacks', async () => {
    const topic = `medium-topics-${randomUUID()}`;
    const day = String(24 * 3_600_000);
    await admin.createTopics({
      topics: [
        {
          topic,
          numPartitions: 1,
          configEntries: [
            { name: 'cleanup.policy', value: 'compact' },
            { name: 'segment.ms', value: '3600000' },
          ],
        },
      ],
    });
    expect(Number((await settingsOf(topic))['max.compaction.lag.ms'])).toBeGreaterThan(Number(day));

    await ensureTopics(kafka, [{ ...Topics.contactMemory, name: topic }], 1);
    expect(await settingsOf(topic)).toMatchObject({
      'cleanup.policy': 'compact',
      'segment.ms': '3600000',
      'max.compaction.lag.ms': day,
    });
  });

  it('creates a missing dead-letter topic with that room and a month of retention', async () => {
    const dlq = `medium-topics-${randomUUID()}.dlq`;
    expect(await ensureTopics(kafka, [uncontractedTopic(dlq)], 1)).toEqual([dlq]);
    expect(await settingsOf(dlq)).toMatchObject({
      'max.message.bytes': String(DEAD_LETTER_BYTES),
      'retention.ms': String(30 * 24 * 3_600_000),
    });
  });
});
