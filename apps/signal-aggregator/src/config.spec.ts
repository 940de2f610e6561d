import { loadConfig } from '@app/config';
import { SignalAggregatorEnvSchema, signalAggregatorConfigProblems } from './config';

describe('signal-aggregator configuration', () => {
  const problemsWith = (env: NodeJS.ProcessEnv) =>
    signalAggregatorConfigProblems(loadConfig(SignalAggregatorEnvSchema, env));

  it('takes the defaults, and a retention that covers the grace', () => {
    expect(problemsWith({})).toEqual([]);
    expect(problemsWith({ AGGREGATION_GRACE_SECONDS: '7200', COUNTED_RECORD_RETENTION_HOURS: '2' })).toEqual([]);
    expect(problemsWith({ AGGREGATION_GRACE_SECONDS: String(7 * 24 * 3600) })).toEqual([]);
  });

  it('refuses to remember counted ids for less than the grace', () => {
    expect(problemsWith({ AGGREGATION_GRACE_SECONDS: '7201', COUNTED_RECORD_RETENTION_HOURS: '2' })).toEqual([
      expect.stringMatching(
        /^COUNTED_RECORD_RETENTION_HOURS \(2\) must cover AGGREGATION_GRACE_SECONDS \(7201 s, 2\.00 h\)/,
      ),
    ]);
  });
});
