import { logLevel } from 'kafkajs';
import { kafkajsLogSeverity } from './kafka-client';

const NOT_LEADER = 'This server is not the leader for that topic-partition';
const CONCURRENT_TRANSACTIONS =
  'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing';

describe('kafkajsLogSeverity', () => {
  it.each<[string, logLevel, string, string | undefined, ReturnType<typeof kafkajsLogSeverity>]>([
    // Refusals an operator should see stay errors, and warnings warnings.
    [
      'a refused produce',
      logLevel.ERROR,
      'Response Produce(key: 0, version: 7)',
      'Topic authorization failed',
      'error',
    ],
    ['not the leader on a fetch', logLevel.ERROR, 'Response Fetch(key: 1, version: 11)', NOT_LEADER, 'error'],
    ['a rebalance', logLevel.WARN, 'Consumer group rebalancing', undefined, 'warn'],
    // Routine refusals that are retried are debug lines; the bounded-retries warning is dropped.
    ['not the leader on ListOffsets', logLevel.ERROR, 'Response ListOffsets(key: 2, version: 3)', NOT_LEADER, 'debug'],
    [
      'a concurrent transaction',
      logLevel.ERROR,
      'Response AddOffsetsToTxn(key: 25, version: 1)',
      CONCURRENT_TRANSACTIONS,
      'debug',
    ],
    [
      'a coordinator still loading',
      logLevel.ERROR,
      'Response InitProducerId(key: 22, version: 1)',
      "The coordinator is loading and hence can't process requests for this group",
      'debug',
    ],
    [
      'a coordinator not available yet',
      logLevel.ERROR,
      'Response GroupCoordinator(key: 10, version: 2)',
      'The group coordinator is not available',
      'debug',
    ],
    [
      'a coordinator not available to a produce',
      logLevel.ERROR,
      'Response Produce(key: 0, version: 7)',
      'The group coordinator is not available',
      'error',
    ],
    [
      'bounded producer retries',
      logLevel.WARN,
      'Limiting retries for the idempotent producer to Number.MAX_SAFE_INTEGER',
      undefined,
      'none',
    ],
  ])('%s', (_, level, message, error, severity) => {
    expect(kafkajsLogSeverity(level, message, error === undefined ? {} : { error })).toBe(severity);
  });
});
