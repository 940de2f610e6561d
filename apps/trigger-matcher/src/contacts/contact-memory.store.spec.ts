import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { Topics, contactMemoryRecordValidator, type ContactMemoryRecord } from '@app/contracts';
import { isNewerMemoryRecord } from '@app/domain';
import { CompactedTopicView, type ConsumedBatch, type WrittenOffsets } from '@app/kafka';
import { ContactMemoryIndex, ContactMemoryStore, contactAttributeKey, contactKey } from './contact-memory.store';

/**
 * A store over a real view, with the options the service gives it, never started: committed
 * writes enter it directly, and `read` plays a record arriving from the topic.
 */
function contactMemory() {
  const index = new ContactMemoryIndex();
  const view = new CompactedTopicView<ContactMemoryRecord>({
    kafka: new Kafka({ brokers: ['127.0.0.1:1'], logLevel: logLevel.NOTHING }),
    topic: Topics.contactMemory.name,
    name: 'unit-contact-memory',
    validator: contactMemoryRecordValidator,
    isNewer: isNewerMemoryRecord,
    logger: pino({ level: 'silent' }),
    onChange: (key, record) => index.onChange(key, record),
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
  const read = (key: string, record: ContactMemoryRecord) => view.set(key, record);
  return { batch, attributesOf, read };
}

const at = (time: string) => `2026-12-07T${time}:00Z`;

describe('ContactMemoryStore', () => {
  it('clears every attribute of a contact with a tombstone each, those learnt in the same batch too', () => {
    const memory = contactMemory();
    memory.batch((session) => {
      session.stage('acme', 'contact-9', { vip: true, plan: 'enterprise' }, at('10:00'));
      session.stage('acme', 'contact-10', { vip: true }, at('10:00'));
    });
    expect(memory.attributesOf('acme', 'contact-9')).toEqual({ vip: true, plan: 'enterprise' });

    const records = memory.batch((session) => {
      session.stage('acme', 'contact-9', { previousIssues: 2 }, at('10:01'));
      session.clear('acme', 'contact-9', at('10:02'));
      expect(session.attributesOf('acme', 'contact-9').size).toBe(0);
    });

    expect(records.map(({ key, value }) => [key, value === null ? null : JSON.parse(value as string)])).toEqual([
      [contactAttributeKey('acme', 'contact-9', 'vip'), null],
      [contactAttributeKey('acme', 'contact-9', 'plan'), null],
      [contactAttributeKey('acme', 'contact-9', 'previousIssues'), null],
      [contactKey('acme', 'contact-9'), { tenantId: 'acme', contactId: 'contact-9', clearedAt: at('10:02') }],
    ]);
    expect(memory.attributesOf('acme', 'contact-9')).toEqual({});
    expect(memory.attributesOf('acme', 'contact-10')).toEqual({ vip: true });
  });

  it('ignores what older events teach after the clear, in the same batch or later, and takes newer ones', () => {
    const memory = contactMemory();
    memory.batch((session) => session.stage('acme', 'contact-9', { vip: true }, at('10:00')));

    const records = memory.batch((session) => {
      session.clear('acme', 'contact-9', at('10:05'));
      session.stage('acme', 'contact-9', { vip: false, plan: 'free' }, at('09:00'));
      session.stage('acme', 'contact-9', { erasure_requested: true }, at('10:05'));
    });
    // The tombstone of vip is published, before the value set at the clear's own time.
    expect(records.map(({ key, value }) => [key, value === null])).toEqual([
      [contactAttributeKey('acme', 'contact-9', 'vip'), true],
      [contactAttributeKey('acme', 'contact-9', 'erasure_requested'), false],
      [contactKey('acme', 'contact-9'), false],
    ]);
    expect(memory.attributesOf('acme', 'contact-9')).toEqual({ erasure_requested: true });

    expect(memory.batch((session) => session.stage('acme', 'contact-9', { vip: true }, at('10:04')))).toEqual([]);
    memory.batch((session) => session.stage('acme', 'contact-9', { vip: false }, at('10:06')));
    expect(memory.attributesOf('acme', 'contact-9')).toEqual({ erasure_requested: true, vip: false });
  });

  it('never answers a record older than the clear that arrives after it, and still tombstones it on the next clear', () => {
    const memory = contactMemory();
    memory.batch((session) => session.stage('acme', 'contact-9', { vip: true }, at('10:00')));
    memory.batch((session) => session.clear('acme', 'contact-9', at('10:05')));
    // The instance's own earlier write read back after the clear, or another instance's late one.
    memory.read(contactAttributeKey('acme', 'contact-9', 'vip'), {
      tenantId: 'acme',
      contactId: 'contact-9',
      attribute: 'vip',
      value: true,
      at: at('10:00'),
    });
    expect(memory.attributesOf('acme', 'contact-9')).toEqual({});
    // An update in that window is not held back by the forgotten value.
    memory.batch((session) => session.stage('acme', 'contact-9', { vip: false }, at('10:06')));
    expect(memory.attributesOf('acme', 'contact-9')).toEqual({ vip: false });
    const again = memory.batch((session) => session.clear('acme', 'contact-9', at('10:07')));
    expect(again.filter(({ value }) => value === null).map(({ key }) => key)).toEqual([
      contactAttributeKey('acme', 'contact-9', 'vip'),
    ]);
  });

  it('keeps the latest clear when an older one arrives late', () => {
    const memory = contactMemory();
    memory.batch((session) => session.clear('acme', 'contact-9', at('10:05')));
    const records = memory.batch((session) => session.clear('acme', 'contact-9', at('09:00')));
    expect(JSON.parse(records.at(-1)!.value as string)).toMatchObject({ clearedAt: at('10:05') });
    expect(memory.batch((session) => session.stage('acme', 'contact-9', { vip: true }, at('10:00')))).toEqual([]);
  });

  it('clears nothing of the same contact id in another tenant', () => {
    const memory = contactMemory();
    memory.batch((session) => session.stage('globex', 'contact-9', { vip: true }, at('10:00')));
    const records = memory.batch((session) => session.clear('acme', 'contact-9', at('10:05')));
    expect(records.map(({ key }) => key)).toEqual([contactKey('acme', 'contact-9')]);
    expect(memory.attributesOf('globex', 'contact-9')).toEqual({ vip: true });
  });
});
