import { ConfigResourceTypes, ConfigSource, type Admin, type Kafka } from 'kafkajs';
import type { TopicContract } from '@app/contracts';

const DAY_MS = 24 * 60 * 60 * 1000;
/**
 * The largest record every topic takes. What the engine writes is bounded in characters (a
 * transcript, contact memory, the messages escalations keep while they wait for the contact's
 * details), not in bytes: JSON spends up to 6 bytes on a character (3 for CJK text, 6 for an
 * escaped control character), so a conversation state within its character bounds can outgrow the
 * broker's default 1 MB. A record the broker refuses could never commit, and its partition would stop.
 */
export const RECORD_MAX_BYTES = 4 * 1024 * 1024;
/** A dead letter is the refused record's bytes plus headers naming why. */
const DEAD_LETTER_MAX_BYTES = RECORD_MAX_BYTES + 1024 * 1024;

/**
 * Creates the topics that are missing; existing ones are left as they are, except for the settings
 * the engine needs them to have (requiredSettings: a topic made before records could be larger
 * than the broker's default is given that room; a topic of personal data made before erasure was
 * bounded gets its bound). Returns the created names.
 */
export async function ensureTopics(
  kafka: Kafka,
  topics: readonly TopicContract[],
  partitions: number,
): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    // Not required to go on: a broker that refuses config changes still gets its missing topics.
    for (const topic of topics.filter(({ name }) => existing.has(name))) {
      const required = requiredSettings(topic);
      if (required.length === 0) continue;
      await applyRequiredSettings(admin, topic.name, required).catch((error: unknown) => {
        kafka.logger().warn(`could not give the topic ${topic.name} the settings the engine needs`, {
          settings: required.map(({ name, value }) => `${name}=${value}`).join(', '),
          error: error instanceof Error ? error.message : String(error),
        });
      });
    }
    const missing = topics.filter((topic) => !existing.has(topic.name));
    if (missing.length === 0) return [];
    await admin.createTopics({
      // kafkajs's own wait fails on the transient "does not host this topic-partition"; poll instead.
      waitForLeaders: false,
      topics: missing.map((topic) => ({
        topic: topic.name,
        numPartitions: partitions,
        replicationFactor: -1,
        configEntries: topicConfig(topic),
      })),
    });
    await waitUntilServed(
      admin,
      missing.map((topic) => topic.name),
    );
    return missing.map((topic) => topic.name);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Waits until every partition of the new topics has a leader that answers for it. A leader in the
 * metadata is not enough: for a moment after creation the broker may still refuse a ListOffsets
 * on a partition ("This server is not the leader for that topic-partition"), which kafkajs's
 * admin does not retry, so a view starting then failed its start-up (seen in CI). kafkajs logs
 * each such refusal as an error while this waits, which createKafkaClient turns into debug lines:
 * expected, and over within a fraction of a second.
 */
async function waitUntilServed(admin: Admin, topics: string[], timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  for (;;) {
    try {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
      if (metadata.every((topic) => topic.partitions.length > 0 && topic.partitions.every((p) => p.leader >= 0))) {
        await Promise.all(topics.map((topic) => admin.fetchTopicOffsets(topic)));
        return;
      }
    } catch (error) {
      if (Date.now() - started > timeoutMs) throw error;
    }
    if (Date.now() - started > timeoutMs)
      throw new Error(`topics have no leaders after ${timeoutMs} ms: ${topics.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A setting a topic must have, and whether the value an existing topic has already meets it. */
interface RequiredSetting {
  name: string;
  value: string;
  isMetBy: (current: string | undefined) => boolean;
}

function requiredSettings(topic: TopicContract): RequiredSetting[] {
  const bytes = isDeadLetterTopic(topic) ? DEAD_LETTER_MAX_BYTES : RECORD_MAX_BYTES;
  const room = {
    name: 'max.message.bytes',
    value: String(bytes),
    isMetBy: (current?: string) => Number(current ?? 0) >= bytes,
  };
  const bound = topic.erasedWithinMs;
  if (bound === undefined) return [room];
  // The active segment is never compacted: it must roll, and then be compacted, within the bound.
  const atMost = (current: string | undefined) => current !== undefined && Number(current) <= bound;
  return [
    room,
    { name: 'segment.ms', value: String(bound), isMetBy: atMost },
    { name: 'max.compaction.lag.ms', value: String(bound), isMetBy: atMost },
  ];
}

/**
 * Gives an existing topic the required settings it lacks, keeping every other setting of its own
 * (an operator's retention, or a tighter bound than required, say): AlterConfigs replaces a topic's
 * whole set of settings, so the ones set on the topic are sent again beside the missing ones.
 */
async function applyRequiredSettings(admin: Admin, topic: string, required: RequiredSetting[]): Promise<void> {
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
  });
  const configEntries = resources[0]?.configEntries ?? [];
  const current = (name: string) => configEntries.find((entry) => entry.configName === name)?.configValue;
  const unmet = required.filter((setting) => !setting.isMetBy(current(setting.name)));
  if (unmet.length === 0) return;
  const names = new Set(unmet.map((setting) => setting.name));
  await admin.alterConfigs({
    validateOnly: false,
    resources: [
      {
        type: ConfigResourceTypes.TOPIC,
        name: topic,
        configEntries: [
          ...configEntries
            .filter((entry) => entry.configSource === ConfigSource.TOPIC_CONFIG && !names.has(entry.configName))
            .map((entry) => ({ name: entry.configName, value: entry.configValue })),
          ...unmet.map(({ name, value }) => ({ name, value })),
        ],
      },
    ],
  });
}

function isDeadLetterTopic(topic: TopicContract): boolean {
  return topic.name.endsWith('.dlq');
}

function topicConfig(topic: TopicContract): { name: string; value: string }[] {
  const required = requiredSettings(topic).map(({ name, value }) => ({ name, value }));
  if (topic.cleanupPolicy === 'compact') {
    return [
      { name: 'cleanup.policy', value: 'compact' },
      { name: 'min.compaction.lag.ms', value: String(60_000) },
      ...required,
    ];
  }
  if (isDeadLetterTopic(topic)) {
    return [
      { name: 'cleanup.policy', value: 'delete' },
      // Dead letters wait for a human: keep them a month.
      { name: 'retention.ms', value: String(30 * DAY_MS) },
      ...required,
    ];
  }
  // Event logs keep a week for replays.
  return [
    { name: 'cleanup.policy', value: 'delete' },
    { name: 'retention.ms', value: String(7 * DAY_MS) },
    ...required,
  ];
}
