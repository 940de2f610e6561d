import { recordExecutionFinished, registry, workflowExecutions, initMetrics } from './metrics';

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
