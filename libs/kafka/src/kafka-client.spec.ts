import { logLevel } from 'kafkajs';
import { kafkajsLogSeverity } from './kafka-client';

describe('kafkajsLogSeverity', () => {
  it('keeps refusals an operator should see as errors', () => {
    expect(
      kafkajsLogSeverity(logLevel.ERROR, 'Response Produce(key: 0, version: 7)', {
        error: 'Topic authorization failed',
      }),
    ).toBe('error');
    expect(
      kafkajsLogSeverity(logLevel.ERROR, 'Response Fetch(key: 1, version: 11)', {
        error: 'This server is not the leader for that topic-partition',
      }),
    ).toBe('error');
    expect(kafkajsLogSeverity(logLevel.WARN, 'Consumer group rebalancing', {})).toBe('warn');
  });

  it('reads routine, retried refusals as debug, and drops the warning about bounded producer retries', () => {
    expect(
      kafkajsLogSeverity(logLevel.ERROR, 'Response ListOffsets(key: 2, version: 3)', {
        error: 'This server is not the leader for that topic-partition',
      }),
    ).toBe('debug');
    expect(
      kafkajsLogSeverity(logLevel.ERROR, 'Response AddOffsetsToTxn(key: 25, version: 1)', {
        error:
          'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing',
      }),
    ).toBe('debug');
    expect(
      kafkajsLogSeverity(logLevel.WARN, 'Limiting retries for the idempotent producer to Number.MAX_SAFE_INTEGER', {}),
    ).toBe('none');
  });
});
