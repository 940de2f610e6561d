import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { Topics } from '@app/contracts';
import {
  ensureMonitoringTools,
  findRepoRoot,
  freePorts,
  startMonitoringStack,
  wipeServersFolder,
  type MonitoringStack,
} from '@app/infra';
import {
  WebhookReceiver,
  messageCreatedEvent,
  provisioned,
  startSystemUnderTest,
  waitFor,
  workflowDefinitionsLoaded,
  type SystemUnderTest,
} from '@app/testing';
import { runDemo } from '../../tools/demo-scenario';
import { dashboardQueries, type DashboardQuery } from '../../tools/grafana/queries';
import type { RecordedPanel } from '../../tools/render-dashboard-screenshots';

/**
 * Observability against the running system, with a real Prometheus and Alertmanager (Debian's
 * packages) scraping every second:
 * - after the demo load, every dashboard panel's PromQL is valid and returns data;
 * - a workflow whose webhook endpoint fails raises AwWorkflowErrorRateHigh, which Alertmanager
 *   (routed by deploy/alertmanager/alertmanager.yml) delivers to a webhook receiver, and which
 *   resolves, and is delivered as resolved, once the endpoint recovers.
 *
 * The rules are the repository's, with time compressed so that this runs in minutes: every range
 * window and `for` is divided by 10 (5m → 30s, 1h → 6m), thresholds and expressions unchanged.
 * Alertmanager runs the repository's routing with its receivers pointed at the local receiver and
 * its group waits shortened.
 */
const ROOT = findRepoRoot();
const DATA_DIR = path.join(ROOT, '.data', 'test', 'observability');
const TIME_COMPRESSION = 10;

interface AlertmanagerNotification {
  receiver: string;
  status: 'firing' | 'resolved';
  alerts: {
    status: 'firing' | 'resolved';
    labels: Record<string, string>;
    annotations: Record<string, string>;
  }[];
}

const seconds = (duration: string): number => {
  const match = /^(\d+)(s|m|h)$/.exec(duration);
  if (!match) throw new Error(`unexpected duration ${duration}`);
  return Number(match[1]) * { s: 1, m: 60, h: 3600 }[match[2] as 's' | 'm' | 'h'];
};
const compressed = (duration: string): string => `${Math.max(1, Math.round(seconds(duration) / TIME_COMPRESSION))}s`;

/** A copy of a rule file with every range window and `for` divided by TIME_COMPRESSION. */
function writeCompressedRules(file: string): string {
  const rules = parse(readFileSync(path.join(ROOT, 'deploy/prometheus/rules', file), 'utf8')) as {
    groups: { rules: { expr: string; for?: string }[] }[];
  };
  for (const rule of rules.groups.flatMap((group) => group.rules)) {
    rule.expr = rule.expr.replace(/\[(\d+[smh])\]/g, (_whole, window: string) => `[${compressed(window)}]`);
    if (rule.for) rule.for = compressed(rule.for);
  }
  const target = path.join(DATA_DIR, file);
  writeFileSync(target, JSON.stringify(rules, null, 2));
  return target;
}

/** The repository's Alertmanager routing, delivering to `receiverUrl` with short group waits. */
function writeAlertmanagerConfig(receiverUrl: string): string {
  const config = parse(readFileSync(path.join(ROOT, 'deploy/alertmanager/alertmanager.yml'), 'utf8')) as {
    route: Record<string, unknown>;
    receivers: { name: string; webhook_configs: { url: string }[] }[];
  };
  Object.assign(config.route, { group_wait: '1s', group_interval: '2s' });
  for (const receiver of config.receivers) {
    for (const webhook of receiver.webhook_configs) webhook.url = `${receiverUrl}/alerts/${receiver.name}`;
  }
  const target = path.join(DATA_DIR, 'alertmanager.yml');
  writeFileSync(target, JSON.stringify(config, null, 2));
  return target;
}

describe('observability: dashboards on real data, and an alert that fires and resolves', () => {
  const endpoint = new WebhookReceiver();
  const alertReceiver = new WebhookReceiver();
  let endpointHealthy = false;
  let system: SystemUnderTest;
  let monitoring: MonitoringStack;
  const tenantId = `tenant-obs-${randomUUID().slice(0, 8)}`;
  let workflowId: string;
  let load: { stop: () => Promise<void> } | undefined;

  beforeAll(async () => {
    const log = (line: string) => process.stderr.write(`[e2e observability] ${line}\n`);
    const tools = await ensureMonitoringTools(log);
    await wipeServersFolder(DATA_DIR, log);
    await mkdir(DATA_DIR, { recursive: true });
    const endpointUrl = await endpoint.start();
    endpoint.script = () => (endpointHealthy ? { status: 200 } : { status: 503, body: 'down for maintenance' });
    const alertReceiverUrl = await alertReceiver.start();
    system = await startSystemUnderTest({
      suite: 'observability',
      env: {
        // One immediate retry, then the execution fails; the circuit never opens. (An empty
        // schedule would mean the default: loadConfig treats empty variables as unset.)
        WEBHOOK_RETRY_SCHEDULE: '0',
        WEBHOOK_CIRCUIT_FAILURE_THRESHOLD: '1000000',
      },
    });
    const { services } = system;
    // Free ports picked at random: a fixed one was once taken on a CI machine.
    const [prometheusPort, alertmanagerPort] = await freePorts('127.0.0.1', 2);
    monitoring = await startMonitoringStack({
      tools,
      dataDir: DATA_DIR,
      ports: { prometheus: prometheusPort, alertmanager: alertmanagerPort },
      targets: services.services.map((service) => ({ name: service.name, url: service.url })),
      ruleFiles: ['recording.yml', 'alerts.yml'].map(writeCompressedRules),
      alertmanagerConfigFile: writeAlertmanagerConfig(alertReceiverUrl),
      interval: '1s',
      log,
    });

    const created = await fetch(`${services.url('api')}/v1/workflows`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await system.tenantHeaders(tenantId)) },
      body: JSON.stringify({
        name: 'Refund request',
        trigger: { type: 'intent', phrases: ['I want a refund for my order'] },
        action: { type: 'webhook', url: `${endpointUrl}/hooks/refunds` },
        firing: { mode: 'every_time' },
      }),
    });
    expect(created.status).toBe(201);
    workflowId = ((await created.json()) as { id: string }).id;
    for (const service of ['trigger-matcher', 'action-dispatcher'] as const) {
      await waitFor(`${service} to load the workflow`, async () =>
        ((await workflowDefinitionsLoaded(services.url(service))) ?? 0) >= 1 ? true : undefined,
      );
    }
  }, 300_000);

  afterAll(async () => {
    await load?.stop();
    await monitoring?.stop();
    await system?.stop();
    await endpoint.stop();
    await alertReceiver.stop();
  });

  /** Publishes a conversation asking for a refund every 250 ms, until stopped. */
  function startLoad(): { stop: () => Promise<void> } {
    let running = true;
    const loop = (async () => {
      while (running) {
        const conversationId = `conv-${randomUUID()}`;
        const event = messageCreatedEvent(tenantId, conversationId, 'I want a refund for my order');
        await system.producer.send({
          topic: Topics.conversationEvents.name,
          acks: -1,
          messages: [{ key: conversationId, value: JSON.stringify(event) }],
        });
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();
    return {
      stop: async () => {
        running = false;
        await loop;
      },
    };
  }

  async function promql(query: string): Promise<{ status: string; error?: string; data?: { result: unknown[] } }> {
    const url = `${monitoring.prometheus.url}/api/v1/query?query=${encodeURIComponent(query)}`;
    return (await (await fetch(url)).json()) as { status: string; error?: string; data?: { result: unknown[] } };
  }

  /**
   * Keeps the last minutes of every panel's data (.data/test/observability/panels.json), from which
   * tools/render-dashboard-screenshots.ts draws the PNGs in docs/.
   */
  async function recordPanels(queries: DashboardQuery[]): Promise<void> {
    const end = Date.now() / 1000;
    const panels = new Map<string, RecordedPanel>();
    for (const query of queries) {
      const url =
        `${monitoring.prometheus.url}/api/v1/query_range?query=${encodeURIComponent(query.promql)}` +
        `&start=${end - 240}&end=${end}&step=2`;
      const answer = (await (await fetch(url)).json()) as {
        data: { result: { metric: Record<string, string>; values: [number, string][] }[] };
      };
      const key = `${query.dashboard}/${query.panel}`;
      const panel = panels.get(key) ?? { dashboard: query.dashboard, panel: query.panel, unit: query.unit, series: [] };
      for (const series of answer.data.result) {
        panel.series.push({
          legend: query.legend.replace(/\{\{(\w+)\}\}/g, (_whole, label: string) => series.metric[label] ?? ''),
          points: series.values.map(([time, value]) => [time, Number(value)]),
        });
      }
      panels.set(key, panel);
    }
    writeFileSync(path.join(DATA_DIR, 'panels.json'), JSON.stringify([...panels.values()]));
  }

  const notifications = (): AlertmanagerNotification[] =>
    alertReceiver.requests
      .filter((request) => request.path.startsWith('/alerts/'))
      .map((request) => JSON.parse(request.body) as AlertmanagerNotification);

  const workflowErrorAlert = (status: 'firing' | 'resolved') =>
    notifications()
      .flatMap((notification) => notification.alerts.map((alert) => ({ receiver: notification.receiver, ...alert })))
      .find(
        (alert) =>
          alert.labels.alertname === 'AwWorkflowErrorRateHigh' &&
          alert.labels.workflow === workflowId &&
          alert.status === status,
      );

  it('runs every dashboard panel query on Prometheus after the demo load, and each returns data', async () => {
    const { services } = system;
    await runDemo({
      kafkaBrokers: provisioned('KAFKA_BROKERS').split(','),
      apiUrl: services.url('api'),
      historyUrl: services.url('history'),
      triggerMatcherUrl: services.url('trigger-matcher'),
      actionDispatcherUrl: services.url('action-dispatcher'),
      adminToken: system.adminToken,
      log: (line) => process.stderr.write(`[e2e observability demo] ${line}\n`),
    });
    // Failing executions of the refund workflow give the per-workflow dashboard its data.
    load = startLoad();
    await waitFor('the refund workflow to call its endpoint', () =>
      endpoint.requests.some((request) => request.path === '/hooks/refunds') ? true : undefined,
    );
    await waitFor('action-dispatcher to count the refund executions', async () => {
      const text = await (await fetch(`${services.url('action-dispatcher')}/metrics`)).text();
      return text.includes(`workflow="${workflowId}"`) ? true : undefined;
    });
    const queries = dashboardQueries(ROOT, {
      rateInterval: '5m',
      variables: { tenant: tenantId, workflow: workflowId },
    });
    expect(queries.length).toBeGreaterThan(20);
    const empty = await waitFor(
      'every panel query to return data',
      async () => {
        const results = await Promise.all(
          queries.map(async (query) => ({ query, answer: await promql(query.promql) })),
        );
        const invalid = results.filter(({ answer }) => answer.status !== 'success');
        if (invalid.length > 0)
          throw new Error(`invalid PromQL: ${JSON.stringify(invalid.map((r) => [r.query.panel, r.answer.error]))}`);
        const withoutData = results.filter(({ answer }) => (answer.data?.result.length ?? 0) === 0);
        return withoutData.length === 0 ? [] : undefined;
      },
      120_000,
    ).catch(async (error: unknown) => {
      const still = [];
      for (const query of queries) {
        if (((await promql(query.promql)).data?.result.length ?? 0) === 0)
          still.push(`${query.dashboard} / ${query.panel} ${query.refId}`);
      }
      throw new Error(`${(error as Error).message}; panels without data: ${still.join(', ')}`);
    });
    expect(empty).toEqual([]);
  }, 240_000);

  it('delivers AwWorkflowErrorRateHigh for the failing workflow through Alertmanager, then its resolution', async () => {
    load ??= startLoad();
    const firing = await waitFor(
      'AwWorkflowErrorRateHigh to reach the alert receiver',
      () => workflowErrorAlert('firing'),
      180_000,
    );
    expect(firing.receiver).toBe('oncall-pager');
    expect(firing.labels).toMatchObject({
      severity: 'critical',
      tenant: tenantId,
      workflow: workflowId,
      action_type: 'webhook',
    });
    expect(firing.annotations.summary).toBe(
      `Workflow ${workflowId} of tenant ${tenantId} fails 100% of its executions`,
    );
    expect(firing.annotations.description).toContain(`workflow ${workflowId} (tenant ${tenantId}, action webhook)`);
    expect(firing.annotations.runbook_url).toBe('docs/runbooks/workflow-error-rate-high.md');
    expect(endpoint.requests.filter((request) => request.path === '/hooks/refunds').length).toBeGreaterThanOrEqual(10);

    endpointHealthy = true;
    const resolved = await waitFor(
      'the resolution to reach the alert receiver',
      () => workflowErrorAlert('resolved'),
      180_000,
    );
    expect(resolved.labels).toMatchObject({ workflow: workflowId, tenant: tenantId });
    // The failing and the recovered endpoint make the dashboards' pictures (docs/observability-*.png).
    await recordPanels(
      dashboardQueries(ROOT, { rateInterval: '1m', variables: { tenant: tenantId, workflow: workflowId } }),
    );
  }, 400_000);
});
