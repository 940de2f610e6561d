import {
  endToEndLatency,
  gaugeSourceFailures,
  initMetrics,
  recordExecutionFinished,
  registry,
  reportConsumerLag,
  workflowExecutions,
} from './metrics';

describe('metrics', () => {
  it('follow Prometheus naming: aw_ prefix, _total on counters only, base units on histograms', async () => {
    const metrics = await registry.getMetricsAsJSON();
    const ours = metrics.filter((metric) => metric.name.startsWith('aw_'));
    expect(ours.length).toBeGreaterThan(20);
    for (const metric of ours) {
      expect(metric.name).toMatch(/^aw_[a-z0-9_]+$/);
      expect({ name: metric.name, total: metric.name.endsWith('_total') }).toEqual({
        name: metric.name,
        total: String(metric.type) === 'counter',
      });
      if (String(metric.type) === 'histogram') expect(metric.name).toMatch(/_seconds$/);
      expect(metric.name).not.toMatch(/_(ms|milliseconds|minutes)(_|$)/);
    }
  });

  it('fold the workflow label of executions beyond the per-tenant cap into other', async () => {
    initMetrics('unit-test', { workflowsPerTenant: 2 });
    const finished = (workflowId: string) =>
      recordExecutionFinished({
        tenantId: 'tenant-cap',
        workflowId,
        actionType: 'webhook',
        status: 'succeeded',
        eventTime: '2026-01-01T00:00:00.000Z',
        finishedAt: '2026-01-01T00:00:01.500Z',
      });
    for (const workflowId of ['wf-a', 'wf-b', 'wf-c', 'wf-d', 'wf-a']) finished(workflowId);
    const { values } = await workflowExecutions.get();
    const workflows = values
      .filter((value) => value.labels.tenant === 'tenant-cap')
      .map((value) => [value.labels.workflow, value.value]);
    expect(Object.fromEntries(workflows)).toEqual({ 'wf-a': 2, 'wf-b': 1, other: 2 });
  });
});

describe('recordExecutionFinished', () => {
  const execution = {
    tenantId: 'tenant-preview',
    workflowId: 'wf-draft',
    actionType: 'webhook',
    status: 'failed',
    eventTime: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-02T00:00:00.000Z',
  };
  const counted = async () =>
    (await workflowExecutions.get()).values
      .filter((value) => value.labels.tenant === 'tenant-preview')
      .reduce((sum, value) => sum + value.value, 0);
  const latencies = async () =>
    (await endToEndLatency.get()).values.find(
      (value) => value.metricName === 'aw_end_to_end_latency_seconds_count' && value.labels.outcome === 'failed',
    )?.value ?? 0;

  it('leaves out executions in preview conversations: an author trying a draft is not production traffic', async () => {
    recordExecutionFinished({ ...execution, preview: true });
    expect(await counted()).toBe(0);
  });

  it('counts a replay, but not its latency from a conversation event of long ago', async () => {
    const before = await latencies();
    recordExecutionFinished({ ...execution, replay: 1 });
    expect(await counted()).toBe(1);
    expect(await latencies()).toBe(before);
    recordExecutionFinished(execution);
    expect(await latencies()).toBe(before + 1);
  });
});

describe('gauges measured at scrape time', () => {
  afterEach(() => jest.useRealTimers());

  const failures = async () =>
    (await gaugeSourceFailures.get()).values.find((value) => value.labels.metric === 'aw_kafka_consumer_lag_records')
      ?.value ?? 0;

  /** Scrapes with fake timers running until the scrape is done (each source's deadline is a timer). */
  const scrape = async () => {
    let text: string | undefined;
    const scraping = registry.metrics().then((metrics) => (text = metrics));
    while (text === undefined) await jest.advanceTimersByTimeAsync(100);
    return scraping;
  };

  it('leave out a source that fails or misses the deadline, count it, and keep the others and the scrape', async () => {
    // Only the deadlines' timers are faked: prom-client's default metrics need the rest.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate', 'hrtime', 'performance', 'Date'] });
    let askedUnreachable = 0;
    const removals = [
      reportConsumerLag(async () => [{ labels: { group: 'g-ok', topic: 't', partition: '0' }, value: 7 }]),
      reportConsumerLag(() => {
        askedUnreachable += 1;
        return new Promise(() => {});
      }),
      reportConsumerLag(() => Promise.reject(new Error('brokers unreachable'))),
    ];
    try {
      const before = await failures();
      const text = await scrape();
      expect(text).toMatch(/^aw_kafka_consumer_lag_records\{group="g-ok",topic="t",partition="0"[^}]*\} 7$/m);
      expect(text).toContain('process_cpu_seconds_total');
      expect(await failures()).toBe(before + 2);

      // The next scrape waits for the reading still in flight instead of asking the brokers again.
      expect(await scrape()).toMatch(/^aw_kafka_consumer_lag_records\{group="g-ok"[^}]*\} 7$/m);
      expect(askedUnreachable).toBe(1);
    } finally {
      for (const remove of removals) remove();
    }
  });
});
