import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import type { ProducerBatch, RecordMetadata } from 'kafkajs';
import { openDatabase } from '@app/database';
import type { Producer } from '@app/kafka';
import { waitFor } from '@app/testing';
import { API_SCHEMA } from '../../apps/api/src/api-schema';
import type { ApiConfig } from '../../apps/api/src/config';
import { DefinitionsPublisher } from '../../apps/api/src/workflows/definitions.publisher';
import { WorkflowEntity } from '../../apps/api/src/workflows/workflow.entity';

/** A producer whose sends wait until the test lets them through: Kafka slow or unreachable. */
class GatedProducer {
  /** Each send's records, as `<workflow id>@<version>`. */
  readonly sent: string[][] = [];
  private readonly waiting: (() => void)[] = [];

  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    this.sent.push(
      (batch.topicMessages ?? []).flatMap(({ messages }) =>
        messages.map(
          ({ key, value }) => `${String(key)}@${(JSON.parse(String(value)) as { version: number }).version}`,
        ),
      ),
    );
    return new Promise((resolve) => this.waiting.push(() => resolve([])));
  }

  letThrough(): void {
    this.waiting.splice(0).forEach((send) => send());
  }
}

/**
 * The workflow definitions outbox on real PostgreSQL, with Kafka stood in for by a producer the
 * test holds back: the api's writes never wait for Kafka, and versions reach the topic in order.
 */
describe('the workflow definitions outbox (real Postgres)', () => {
  const logger = pino({ level: 'silent' });
  const schema = `api_outbox_${randomUUID().slice(0, 8)}`;
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = await openDatabase({ url: process.env.DATABASE_URL!, ...API_SCHEMA, schema, poolSize: 6 });
  });

  afterAll(async () => {
    await dataSource?.query(`DROP SCHEMA "${schema}" CASCADE`);
    await dataSource?.destroy();
  });

  function publisherWith(producer: GatedProducer): DefinitionsPublisher {
    const config = { DEFINITIONS_RELAY_INTERVAL_MS: 60_000 } as ApiConfig;
    return new DefinitionsPublisher(dataSource, producer as unknown as Producer, config, logger);
  }

  async function createWorkflow(): Promise<string> {
    const workflow = dataSource.manager.create(WorkflowEntity, {
      id: randomUUID(),
      tenantId: 'tenant-outbox',
      name: 'outbox',
      version: 1,
      status: 'enabled',
      trigger: { type: 'conversation_end' },
      action: { type: 'tag', signals: [{ name: 'outbox' }] },
      firing: { mode: 'once_per_conversation' },
      signingSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      previousSigningSecret: null,
      previousSigningSecretExpiresAt: null,
      deletedAt: null,
      publishedVersion: 0,
    });
    await dataSource.manager.save(workflow);
    return workflow.id;
  }

  async function publishedVersionOf(id: string): Promise<number> {
    return (await dataSource.manager.findOneByOrFail(WorkflowEntity, { id })).publishedVersion;
  }

  it('lets a change to a row being published go ahead at once, and publishes its new version next', async () => {
    const producer = new GatedProducer();
    const publisher = publisherWith(producer);
    const id = await createWorkflow();
    const publishing = publisher.publishPending();
    await waitFor('the first send', () => (producer.sent.length === 1 ? true : undefined));

    // What PATCH does: the row, locked, changed. It must not wait for Kafka's answer.
    await dataSource.transaction(async (manager) => {
      await manager.query(`SET LOCAL lock_timeout = '1s'`);
      const current = await manager.findOneOrFail(WorkflowEntity, {
        where: { id },
        lock: { mode: 'pessimistic_write' },
      });
      current.version = 2;
      await manager.save(current);
    });

    producer.letThrough();
    expect(await publishing).toBe(1);
    // Version 1 is on the topic; version 2, committed meanwhile, is still owed.
    expect(await publishedVersionOf(id)).toBe(1);
    const next = publisher.publishPending();
    await waitFor('the second send', () => (producer.sent.length === 2 ? true : undefined));
    producer.letThrough();
    expect(await next).toBe(1);
    expect(producer.sent).toEqual([[`${id}@1`], [`${id}@2`]]);
    expect(await publishedVersionOf(id)).toBe(2);
  });

  it('publishes each row from one api instance at a time; another leaves it alone and publishes the others', async () => {
    const first = new GatedProducer();
    const second = new GatedProducer();
    const stuck = await createWorkflow();
    const publishing = publisherWith(first).publishPending();
    await waitFor('the first instance’s send', () => (first.sent.length === 1 ? true : undefined));
    // While the first instance's run waits for Kafka, the second leaves its row to it, and goes on with a new one.
    const other = await createWorkflow();
    const meanwhile = publisherWith(second).publishPending();
    await waitFor('the second instance’s send', () => (second.sent.length === 1 ? true : undefined));
    expect(second.sent).toEqual([[`${other}@1`]]);
    second.letThrough();
    expect(await meanwhile).toBe(1);
    expect(await publishedVersionOf(other)).toBe(1);
    expect(await publishedVersionOf(stuck)).toBe(0);

    first.letThrough();
    expect(await publishing).toBe(1);
    expect(first.sent).toEqual([[`${stuck}@1`]]);
    expect(await publishedVersionOf(stuck)).toBe(1);
    expect(await publisherWith(second).publishPending()).toBe(0);
  });

  it('passes over a whole batch of rows another instance holds, and publishes the rows after them', async () => {
    const first = new GatedProducer();
    const second = new GatedProducer();
    const held: string[] = [];
    for (let index = 0; index < 500; index++) held.push(await createWorkflow());
    const publishing = publisherWith(first).publishPending();
    await waitFor('the first instance’s send', () => (first.sent.length === 1 ? true : undefined));
    expect(first.sent[0]).toHaveLength(500);
    const after = await createWorkflow();
    const meanwhile = publisherWith(second).publishPending();
    await waitFor('the second instance’s send', () => (second.sent.length === 1 ? true : undefined));
    expect(second.sent).toEqual([[`${after}@1`]]);
    second.letThrough();
    expect(await meanwhile).toBe(1);

    first.letThrough();
    expect(await publishing).toBe(500);
    expect(await publishedVersionOf(held[499]!)).toBe(1);
  });

  it('records the publishes of the other rows when a request holds one, instead of waiting for it', async () => {
    const producer = new GatedProducer();
    const held = await createWorkflow();
    const free = await createWorkflow();
    const publishing = publisherWith(producer).publishPending();
    await waitFor('the send', () => (producer.sent.length === 1 ? true : undefined));
    expect(producer.sent[0]).toEqual([`${held}@1`, `${free}@1`]);
    // What a PATCH running the workflow's tests does: hold the row, for as long as the tests take.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let holding!: () => void;
    const isHolding = new Promise<void>((resolve) => (holding = resolve));
    const request = dataSource.transaction(async (manager) => {
      await manager.findOneOrFail(WorkflowEntity, { where: { id: held }, lock: { mode: 'pessimistic_write' } });
      holding();
      await released;
    });
    await isHolding;
    try {
      producer.letThrough();
      expect(await publishing).toBe(2);
      expect(await publishedVersionOf(free)).toBe(1);
    } finally {
      release();
      await request;
    }
    // The held row stays owed, and the next run sends it again.
    expect(await publishedVersionOf(held)).toBe(0);
    const again = publisherWith(producer).publishPending();
    await waitFor('the second send', () => (producer.sent.length === 2 ? true : undefined));
    producer.letThrough();
    expect(await again).toBe(1);
    expect(producer.sent[1]).toEqual([`${held}@1`]);
    expect(await publishedVersionOf(held)).toBe(1);
  });

  it('answers a request whose change cannot be published yet, and publishes it once Kafka does', async () => {
    const producer = new GatedProducer();
    const publisher = publisherWith(producer);
    const id = await createWorkflow();
    await publisher.publishSoon();
    expect(producer.sent).toEqual([[`${id}@1`]]);
    expect(await publishedVersionOf(id)).toBe(0);

    producer.letThrough();
    await waitFor('the change published', async () => ((await publishedVersionOf(id)) === 1 ? true : undefined));
  });
});
