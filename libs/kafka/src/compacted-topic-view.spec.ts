import { Type } from '@sinclair/typebox';
import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { compileValidator } from '@app/contracts';
import { CompactedTopicView, offsetsBehind } from './compacted-topic-view';

describe('offsetsBehind', () => {
  it('counts the offsets after the last one read, up to the last one of the partition', () => {
    expect(offsetsBehind(9n, 9n)).toBe(0);
    expect(offsetsBehind(9n, 6n)).toBe(3);
    expect(offsetsBehind(9n, undefined)).toBe(10);
  });

  it('is 0 for an empty partition, and never negative', () => {
    expect(offsetsBehind(-1n, undefined)).toBe(0);
    expect(offsetsBehind(4n, 7n)).toBe(0);
  });
});

/** A view of a topic of `{text}` records over this client, never started. */
function viewOn(kafka: Kafka, options: { partitions?: 'on_request' } = {}): CompactedTopicView<{ text: string }> {
  return new CompactedTopicView({
    kafka,
    topic: 'unit.view',
    name: 'unit',
    validator: compileValidator(Type.Object({ text: Type.String() })),
    logger: pino({ level: 'silent' }),
    ...options,
  });
}

describe('CompactedTopicView while its consumer is down', () => {
  it('moves its partitions without throwing (from a crash listener, a throw would stop kafkajs restarting it)', () => {
    // Never started: kafkajs refuses seek, pause and resume as it does between a crash and a restart.
    const kafka = new Kafka({ brokers: ['127.0.0.1:1'], logLevel: logLevel.NOTHING });
    const view = viewOn(kafka, { partitions: 'on_request' });
    expect(() => {
      view.follow(0);
      view.hold(0);
      view.release(0);
      view.forget(0);
    }).not.toThrow();
    expect(view.followedPartitions()).toEqual([]);
  });
});

describe('CompactedTopicView lag', () => {
  it('fails when the brokers refuse the end offsets, so that the scrape counts the series it leaves out', async () => {
    const kafka = new Kafka({ brokers: ['127.0.0.1:1'], logLevel: logLevel.NOTHING });
    const refused = new Error('TOPIC_AUTHORIZATION_FAILED');
    jest.spyOn(kafka, 'admin').mockReturnValue({
      fetchTopicOffsets: () => Promise.reject(refused),
    } as unknown as ReturnType<Kafka['admin']>);
    const view = viewOn(kafka);
    await expect(view.lag()).rejects.toBe(refused);
  });
});
