import { Kafka, logLevel, type IHeaders } from 'kafkajs';
import pino from 'pino';
import { Topics, contactMemoryRecordValidator, type ContactMemoryRecord } from '@app/contracts';
import { isNewerMemoryRecord } from '@app/domain';
import { CompactedTopicView, type ConsumedBatch, type OutboundRecord, type WrittenOffsets } from '@app/kafka';
import {
  CLEARED_AT_HEADER,
  ContactMemoryIndex,
  ContactMemoryStore,
  contactAttributeKey,
  contactKey,
  isStaleMemoryRecord,
} from './contact-memory.store';

/** The view's own handling of a record read from the topic (private: reached here without a broker). */
type ReadPath = { applyRecord(key: string, value: Buffer | null, headers: IHeaders | undefined): void };

/**
 * A store over a real view with the options the service gives it, never started: committed
 * writes enter it directly, and `read` hands it a record as if read from the topic.
 */
function contactMemory() {
  const index = new ContactMemoryIndex();
  const view = new CompactedTopicView<ContactMemoryRecord>({
    kafka: new Kafka({ brokers: ['127.0.0.1:1'], logLevel: logLevel.NOTHING }),
    topic: Topics.contactMemory.name,
    name: 'unit-contact-memory',
    validator: contactMemoryRecordValidator,
    isNewer: isNewerMemoryRecord,
    isStale: isStaleMemoryRecord,
    logger: pino({ level: 'silent' }),
    onChange: (key, record) => index.onChange(key, record),
  });
  const store = new ContactMemoryStore(view, index);
  /** Runs one batch: `work` stages, then the batch commits. Returns the records it published. */
  function batch(work: (session: ReturnType<ContactMemoryStore['session']>) => void = () => undefined) {
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
  const read = ({ key, value, headers }: Pick<OutboundRecord, 'key' | 'value' | 'headers'>) =>
    (view as unknown as ReadPath).applyRecord(
      key as string,
      value === null ? null : Buffer.from(value as string),
      headers,
    );
  return { batch, attributesOf, read };
}

const at = (time: string) => `2026-12-07T${time}:00.000Z`;
const summary = (records: OutboundRecord[]) =>
  records.map(({ key, value, headers }) =>
    value === null ? [key, 'tombstone', headers?.[CLEARED_AT_HEADER]] : [key, JSON.parse(value as string)],
  );
const attribute = (name: string, value: unknown, time: string) => ({
  key: contactAttributeKey('acme', 'contact-9', name),
  value: JSON.stringify({ tenantId: 'acme', contactId: 'contact-9', attribute: name, value, at: at(time) }),
});

describe('ContactMemoryStore', () => {
  afterEach(() => jest.restoreAllMocks());

  it('clears every attribute learnt before the clear with a tombstone each, those of the same batch too', () => {
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

    expect(summary(records)).toEqual([
      [contactAttributeKey('acme', 'contact-9', 'vip'), 'tombstone', at('10:02')],
      [contactAttributeKey('acme', 'contact-9', 'plan'), 'tombstone', at('10:02')],
      [contactAttributeKey('acme', 'contact-9', 'previousIssues'), 'tombstone', at('10:02')],
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
    expect(summary(records).map(([key, value]) => [key, value === 'tombstone'])).toEqual([
      [contactAttributeKey('acme', 'contact-9', 'vip'), true],
      [contactAttributeKey('acme', 'contact-9', 'erasure_requested'), false],
      [contactKey('acme', 'contact-9'), false],
    ]);
    expect(memory.attributesOf('acme', 'contact-9')).toEqual({ erasure_requested: true });

    expect(memory.batch((session) => session.stage('acme', 'contact-9', { vip: true }, at('10:04')))).toEqual([]);
    memory.batch((session) => session.stage('acme', 'contact-9', { vip: false }, at('10:06')));
    expect(memory.attributesOf('acme', 'contact-9')).toEqual({ erasure_requested: true, vip: false });
  });

  it('never answers an older record read after the clear, and tombstones it as a leftover once it stayed a while', () => {
    const memory = contactMemory();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(Date.parse(at('10:05')));
    memory.batch((session) => session.clear('acme', 'contact-9', at('10:05')));
    // Another instance's write from before it knew of the clear, or this instance's own read back.
    memory.read(attribute('vip', true, '10:00'));
    expect(memory.attributesOf('acme', 'contact-9')).toEqual({});
    // An update meanwhile is not held back by the forgotten value.
    memory.batch((session) => session.stage('acme', 'contact-9', { plan: 'pro' }, at('10:06')));

    // The clear's own tombstones usually arrive first: a leftover waits a few seconds.
    expect(summary(memory.batch())).toEqual([]);
    clock.mockReturnValue(Date.parse(at('10:05')) + 6_000);
    const leftovers = memory.batch();
    expect(summary(leftovers)).toEqual([[contactAttributeKey('acme', 'contact-9', 'vip'), 'tombstone', at('10:05')]]);
    // Asked for once; again only if its tombstone was not read back within half a minute.
    expect(memory.batch()).toEqual([]);
    memory.read(leftovers[0]!);
    clock.mockReturnValue(Date.parse(at('10:05')) + 60_000);
    expect(memory.batch()).toEqual([]);
    expect(memory.attributesOf('acme', 'contact-9')).toEqual({ plan: 'pro' });
  });

  it('keeps a value set since when a clear’s tombstone of its key is read back', () => {
    const memory = contactMemory();
    memory.batch((session) => session.stage('acme', 'contact-9', { vip: true }, at('10:00')));
    const cleared = memory.batch((session) => session.clear('acme', 'contact-9', at('10:05')));
    memory.batch((session) => session.stage('acme', 'contact-9', { vip: 'again' }, at('10:10')));
    // The clear's tombstone of vip arrives from the topic after the newer value was set directly.
    memory.read(cleared[0]!);
    expect(memory.attributesOf('acme', 'contact-9')).toEqual({ vip: 'again' });
  });

  it('keeps a value another instance set, read while the clearing batch was on its way', () => {
    const memory = contactMemory();
    memory.batch((session) => session.stage('acme', 'contact-9', { vip: true }, at('10:00')));
    memory.batch((session) => {
      session.clear('acme', 'contact-9', at('10:05'));
      memory.read(attribute('vip', 'newer', '10:06'));
    });
    expect(memory.attributesOf('acme', 'contact-9')).toEqual({ vip: 'newer' });
  });

  it('keeps the latest clear when an older one arrives late, and what was learnt after the latest', () => {
    const memory = contactMemory();
    memory.batch((session) => session.clear('acme', 'contact-9', at('10:05')));
    memory.batch((session) => session.stage('acme', 'contact-9', { plan: 'pro', vip: true }, at('10:06')));
    const late = memory.batch((session) => session.clear('acme', 'contact-9', at('09:00')));
    expect(summary(late)).toEqual([
      [contactKey('acme', 'contact-9'), { tenantId: 'acme', contactId: 'contact-9', clearedAt: at('10:05') }],
    ]);
    expect(memory.attributesOf('acme', 'contact-9')).toEqual({ plan: 'pro', vip: true });
    expect(memory.batch((session) => session.stage('acme', 'contact-9', { vip: false }, at('10:00')))).toEqual([]);
  });

  it('clears nothing of the same contact id in another tenant', () => {
    const memory = contactMemory();
    memory.batch((session) => session.stage('globex', 'contact-9', { vip: true }, at('10:00')));
    const records = memory.batch((session) => session.clear('acme', 'contact-9', at('10:05')));
    expect(records.map(({ key }) => key)).toEqual([contactKey('acme', 'contact-9')]);
    expect(memory.attributesOf('globex', 'contact-9')).toEqual({ vip: true });
  });
});
