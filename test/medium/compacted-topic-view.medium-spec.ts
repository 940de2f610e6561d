import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import pino from 'pino';
import { compileValidator, uncontractedTopic } from '@app/contracts';
import {
  CompactedTopicView,
  createKafkaClient,
  createProducer,
  ensureTopics,
  type Kafka,
  type OutboundRecord,
  type Producer,
} from '@app/kafka';
import { registry, viewRecordsRead } from '@app/metrics';
import { waitFor } from '@app/testing';

const entryValidator = compileValidator(
  Type.Object({ revision: Type.Integer(), text: Type.String() }, { additionalProperties: false }),
);
type Entry = { revision: number; text: string };
const REVISION = 'revision';

/** A client of the provisioned broker, the one-partition topic created, and a connected producer. */
async function connectTo(topic: string): Promise<{ kafka: Kafka; producer: Producer }> {
  const kafka = createKafkaClient({
    brokers: process.env.KAFKA_BROKERS!.split(','),
    clientId: 'medium',
    logger: pino({ level: 'silent' }),
  });
  await ensureTopics(kafka, [uncontractedTopic(topic)], 1);
  const producer = createProducer(kafka);
  await producer.connect();
  return { kafka, producer };
}

/**
 * A view of a versioned topic, the way trigger-matcher keeps conversation states: a record whose
 * revision header is no newer than the entry held is skipped unparsed, and the view reports how
 * far it is behind its topic.
 */
describe('CompactedTopicView (real Kafka)', () => {
  const run = randomUUID().slice(0, 8);
  const topic = `medium.${run}.view`;
  /** What the view logs as errors (the Kafka client logs elsewhere). */
  const errors: string[] = [];
  const viewLogger = pino(
    { level: 'error' },
    new Writable({ write: (line, _encoding, done) => (errors.push(String(line)), done()) }),
  );
  let kafka: Kafka;
  let producer: Producer;
  let view: CompactedTopicView<Entry>;

  const record = (key: string, value: string | null, revision?: number): OutboundRecord => ({
    topic,
    key,
    value,
    headers: revision === undefined ? {} : { [REVISION]: String(revision) },
  });
  const entry = (key: string, revision: number, text: string) =>
    record(key, JSON.stringify({ revision, text }), revision);

  /** Sends the records, then a marker record, and waits until the view has read the marker. */
  async function sendAndRead(...records: OutboundRecord[]): Promise<void> {
    const marker = `marker-${randomUUID()}`;
    await producer.send({ topic, messages: [...records, entry(marker, 1, 'marker')] });
    await waitFor(`the view to read ${marker}`, async () => view.get(marker));
  }

  async function recordsRead(): Promise<number> {
    const { values } = await viewRecordsRead.get();
    return values.find(({ labels }) => labels.view === `medium-${run}`)?.value ?? 0;
  }

  beforeAll(async () => {
    ({ kafka, producer } = await connectTo(topic));
    view = new CompactedTopicView<Entry>({
      kafka,
      topic,
      name: `medium-${run}`,
      validator: entryValidator,
      logger: viewLogger,
      isNewer: (current, incoming) => incoming.revision >= current.revision,
      isStale: (current, headers) => Number(headers[REVISION] ?? Number.POSITIVE_INFINITY) <= current.revision,
    });
    await view.start();
  });

  afterAll(async () => {
    await view?.stop();
    await producer?.disconnect();
  });

  it('skips a record no newer than the entry held without parsing it, and parses a newer one', async () => {
    await sendAndRead(entry('c', 2, 'second'));
    expect(view.get('c')).toEqual({ revision: 2, text: 'second' });

    // Not JSON at all: had the view parsed it, it would have logged an invalid record.
    await sendAndRead(record('c', 'not json', 2), record('c', 'not json', 1));
    expect(view.get('c')).toEqual({ revision: 2, text: 'second' });
    expect(errors).toEqual([]);

    await sendAndRead(record('c', 'not json', 3));
    expect(view.get('c')).toEqual({ revision: 2, text: 'second' });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('invalid record in compacted topic');

    await sendAndRead(entry('c', 3, 'third'));
    expect(view.get('c')).toEqual({ revision: 3, text: 'third' });
  });

  it('keeps an entry against an older tombstone and deletes it with a newer one', async () => {
    await sendAndRead(entry('t', 5, 'kept'), record('t', null, 5));
    expect(view.get('t')).toEqual({ revision: 5, text: 'kept' });
    await sendAndRead(record('t', null, 6));
    expect(view.get('t')).toBeUndefined();
  });

  it('leaves a held partition to its writer, and reads on from after what the writer applied once released', async () => {
    await sendAndRead(entry('h', 1, 'read'));
    view.hold(0);
    // The writer's own records: it applies them itself, and says how far they go.
    await producer.send({ topic, messages: [entry('h', 2, 'own')] });
    const [last] = await producer.send({ topic, messages: [entry('h', 3, 'own')] });
    view.set('h', { revision: 3, text: 'applied by the writer' });
    view.advance(0, BigInt(last!.baseOffset!));
    // Another writer's record, once the partition is no longer held here.
    await producer.send({ topic, messages: [entry('other', 1, 'foreign')] });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(view.get('other')).toBeUndefined();
    expect((await view.lag()).map(({ value }) => value)).toEqual([0]);
    view.delete('h');
    expect(view.get('h')).toBeUndefined();

    const readBefore = await recordsRead();
    view.release(0);
    await waitFor('the view to read the foreign record', async () => view.get('other'));
    // Only the foreign record: the view reads on from after the writer's last record.
    await waitFor('the count of records read to settle', async () =>
      (await recordsRead()) === readBefore + 1 ? true : undefined,
    );
    expect(view.get('h')).toBeUndefined();
    expect((await view.lag()).map(({ value }) => value)).toEqual([0]);
  });

  it('reports how far it is behind its topic, and what it read', async () => {
    await sendAndRead(entry('l', 1, 'lag'));
    // The position and the count move once kafkajs reports the batch done, just after its records.
    const scrape = await waitFor('the scrape to show the view caught up', async () => {
      const text = await registry.metrics();
      return text.includes(`aw_view_records_behind{view="medium-${run}",topic="${topic}",partition="0"} 0`)
        ? text
        : undefined;
    });
    const read = new RegExp(`aw_view_records_read_total\\{view="medium-${run}"\\} (\\d+)`).exec(scrape);
    // Every record read so far, skipped ones included (1 + 2 + 1 + 1, 2 + 1, 1 + 1, 1), and the 8
    // markers; not the two records written while the partition was held.
    expect(Number(read?.[1])).toBe(11 + 8);
    expect((await view.lag()).map(({ value }) => value)).toEqual([0]);
  });
});

/**
 * kafkajs stops a consumer for good on an error it does not call retriable (here a TypeError from
 * the view's change callback, as a broker restart's KafkaJSGroupCoordinatorNotFound does): the
 * view restarts its consumer, reading the topic again from the beginning.
 */
describe('CompactedTopicView after a crash kafkajs does not restart from (real Kafka)', () => {
  const run = randomUUID().slice(0, 8);
  const topic = `medium.${run}.crash`;
  let kafka: Kafka;
  let producer: Producer;
  let view: CompactedTopicView<Entry>;
  let crashes = 0;
  /** The keys the view applied, in order. */
  const applied: string[] = [];
  const value = (text: string) => JSON.stringify({ revision: 1, text });

  beforeAll(async () => {
    ({ kafka, producer } = await connectTo(topic));
    view = new CompactedTopicView<Entry>({
      kafka,
      topic,
      name: `medium-crash-${run}`,
      validator: entryValidator,
      logger: pino({ level: 'silent' }),
      onChange: (key) => {
        if (key === 'boom' && crashes++ === 0) throw new TypeError('a bug met by one record');
        applied.push(key);
      },
    });
    await view.start();
  });

  afterAll(async () => {
    await view?.stop();
    await producer?.disconnect();
  });

  it('restarts its consumer and reads on from where it was, not from the beginning', async () => {
    await producer.send({ topic, messages: [{ key: 'before', value: value('before') }] });
    await waitFor('the view to read the first record', async () => view.get('before'));
    await producer.send({ topic, messages: [{ key: 'boom', value: value('boom') }] });
    await waitFor('the crash', () => (crashes > 0 ? true : undefined));
    await producer.send({ topic, messages: [{ key: 'after', value: value('after') }] });
    await waitFor('the view to read on after the crash', async () => view.get('after'));
    expect(view.get('boom')).toEqual({ revision: 1, text: 'boom' });
    expect(crashes).toBe(2);
    // The record read before the crash is not applied again: entries never go back to older values.
    expect(applied).toEqual(['before', 'boom', 'after']);
  });
});

/**
 * A view whose start fails (here its admin cannot read the end offsets, once the consumer has
 * joined its group) disconnects its consumer and admin again: its caller has nothing to stop, and
 * a consumer left in its group keeps the process alive (in CI, jest never exited).
 */
describe('CompactedTopicView that fails to start (real Kafka)', () => {
  const run = randomUUID().slice(0, 8);
  const topic = `medium.${run}.unreadable`;
  let kafka: Kafka;
  let producer: Producer;

  beforeAll(async () => {
    ({ kafka, producer } = await connectTo(topic));
  });

  afterAll(async () => {
    await producer?.disconnect();
  });

  it('disconnects its consumer and admin', async () => {
    const events: string[] = [];
    let joined: () => void;
    const consumerJoined = new Promise<void>((resolve) => (joined = resolve));
    // The view's own clients, watched: a Kafka whose consumer reports its group join and
    // disconnection, and whose admin fails to read end offsets once the consumer has joined.
    const watched = Object.create(kafka) as Kafka;
    watched.consumer = (config) => {
      const consumer = kafka.consumer(config);
      consumer.on(consumer.events.GROUP_JOIN, () => (events.push('consumer joined'), joined()));
      consumer.on(consumer.events.DISCONNECT, () => events.push('consumer disconnected'));
      return consumer;
    };
    watched.admin = (config) => {
      const admin = kafka.admin(config);
      admin.on(admin.events.DISCONNECT, () => events.push('admin disconnected'));
      admin.fetchTopicOffsets = async () => {
        await consumerJoined;
        throw new Error('end offsets refused');
      };
      return admin;
    };
    const view = new CompactedTopicView<Entry>({
      kafka: watched,
      topic,
      name: `medium-unreadable-${run}`,
      validator: entryValidator,
      logger: pino({ level: 'silent' }),
    });
    await expect(view.start()).rejects.toThrow('end offsets refused');
    expect(events).toEqual(['consumer joined', 'consumer disconnected', 'admin disconnected']);
  });
});
