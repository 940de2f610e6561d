import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { Topics, contactAttributeValidator, type ContactAttributeRecord } from '@app/contracts';
import { CompactedTopicView, type ConsumedBatch, type WrittenOffsets } from '@app/kafka';
import { ContactMemoryIndex, ContactMemoryStore, contactAttributeKey } from './contact-memory.store';

/** A store over a real view that is never started: committed writes enter it directly, as in the service. */
function contactMemory() {
  const index = new ContactMemoryIndex();
  const view = new CompactedTopicView<ContactAttributeRecord>({
    kafka: new Kafka({ brokers: ['127.0.0.1:1'], logLevel: logLevel.NOTHING }),
    topic: Topics.contactMemory.name,
    name: 'unit-contact-memory',
    validator: contactAttributeValidator,
    logger: pino({ level: 'silent' }),
    onChange: (key, attribute) => index.onChange(key, attribute),
  });
  const store = new ContactMemoryStore(view, index);
  /** Runs one batch: `work` stages, then the batch commits. Returns the records it published. */
  function batch(work: (session: ReturnType<ContactMemoryStore['session']>) => void) {
    const committed: ((written: WrittenOffsets) => void)[] = [];
    const afterCommit: ConsumedBatch['afterCommit'] = (callback) => void committed.push(callback);
    const session = store.session({ afterCommit } as unknown as ConsumedBatch);
    work(session);
    const records = session.records();
    committed.forEach((callback) => callback({} as WrittenOffsets));
    return records;
  }
  const attributesOf = (tenantId: string, contactId: string) =>
    Object.fromEntries([...index.attributesOf(tenantId, contactId)].map(([name, { value }]) => [name, value]));
  return { batch, attributesOf };
}

describe('ContactMemoryStore', () => {
  it('clears every attribute of a contact with a tombstone each, those learnt in the same batch too', () => {
    const memory = contactMemory();
    memory.batch((session) => {
      session.stage('acme', 'contact-9', { vip: true, plan: 'enterprise' }, '2026-12-07T10:00:00Z');
      session.stage('acme', 'contact-10', { vip: true }, '2026-12-07T10:00:00Z');
    });
    expect(memory.attributesOf('acme', 'contact-9')).toEqual({ vip: true, plan: 'enterprise' });

    const records = memory.batch((session) => {
      session.stage('acme', 'contact-9', { previousIssues: 2 }, '2026-12-07T10:01:00Z');
      session.clear('acme', 'contact-9');
      expect(session.attributesOf('acme', 'contact-9').size).toBe(0);
    });

    expect(records.map(({ key, value }) => [key, value])).toEqual(
      expect.arrayContaining([
        [contactAttributeKey('acme', 'contact-9', 'vip'), null],
        [contactAttributeKey('acme', 'contact-9', 'plan'), null],
        [contactAttributeKey('acme', 'contact-9', 'previousIssues'), null],
      ]),
    );
    expect(records).toHaveLength(3);
    expect(memory.attributesOf('acme', 'contact-9')).toEqual({});
    expect(memory.attributesOf('acme', 'contact-10')).toEqual({ vip: true });
  });

  it('lets an update after the clear set attributes again, whatever its event time', () => {
    const memory = contactMemory();
    memory.batch((session) => session.stage('acme', 'contact-9', { vip: true }, '2026-12-07T10:00:00Z'));

    const records = memory.batch((session) => {
      session.clear('acme', 'contact-9');
      session.stage('acme', 'contact-9', { plan: 'free', vip: false }, '2026-12-07T09:00:00Z');
    });

    expect(records.map(({ key }) => key).sort()).toEqual(
      [contactAttributeKey('acme', 'contact-9', 'plan'), contactAttributeKey('acme', 'contact-9', 'vip')].sort(),
    );
    expect(records.every(({ value }) => value !== null)).toBe(true);
    expect(memory.attributesOf('acme', 'contact-9')).toEqual({ plan: 'free', vip: false });
  });

  it('clears nothing of a contact with no memory, and of the same contact id in another tenant', () => {
    const memory = contactMemory();
    memory.batch((session) => session.stage('globex', 'contact-9', { vip: true }, '2026-12-07T10:00:00Z'));
    expect(memory.batch((session) => session.clear('acme', 'contact-9'))).toEqual([]);
    expect(memory.attributesOf('globex', 'contact-9')).toEqual({ vip: true });
  });
});
