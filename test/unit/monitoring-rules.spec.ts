import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { registry } from '@app/metrics';

/**
 * The alert rules and Alertmanager routing are complete and consistent: every alert is described,
 * has a runbook, and is covered by promtool tests that see it fire and stay quiet. (promtool and
 * amtool themselves run in test/medium/monitoring-config.medium-spec.ts.)
 */
const ROOT = path.resolve(__dirname, '../..');
const readYaml = <T>(file: string): T => parse(readFileSync(path.join(ROOT, file), 'utf8')) as T;

type Rule = {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
};
type RuleFile = { groups: { name: string; rules: Rule[] }[] };
type RuleTests = {
  tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
};
type AlertmanagerConfig = {
  route: { receiver: string; routes?: { receiver: string }[] };
  receivers: { name: string }[];
  inhibit_rules: { source_matchers: string[]; target_matchers: string[] }[];
};

const alerts = readYaml<RuleFile>('deploy/prometheus/rules/alerts.yml').groups.flatMap((group) => group.rules);
const recordings = readYaml<RuleFile>('deploy/prometheus/rules/recording.yml').groups.flatMap((group) => group.rules);
const alertNames = alerts.map((rule) => rule.alert);

describe('Prometheus alert rules', () => {
  it('covers what SREs must be told about', () => {
    expect(alertNames.sort()).toEqual([
      'AwActionTypeFailingEverywhere',
      'AwConsumerLagGrowing',
      'AwDeadLetterRecords',
      'AwDecisionProviderFailing',
      'AwEndToEndLatencyHigh',
      'AwLagNotMeasured',
      'AwServiceDown',
      'AwServiceNotScraped',
      'AwViewStuck',
      'AwWebhookCircuitOpenTooLong',
      'AwWebhookEndpointDisabled',
      'AwWorkflowErrorRateHigh',
    ]);
  });

  it.each(alerts.map((rule) => [rule.alert, rule] as const))(
    '%s has a severity, a summary, a description and a runbook that exists',
    (_name, rule) => {
      expect(['critical', 'warning']).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary).toBeTruthy();
      expect(rule.annotations?.description).toBeTruthy();
      const runbook = rule.annotations?.runbook_url ?? '';
      expect(runbook).toMatch(/^docs\/runbooks\/[a-z-]+\.md$/);
      expect(existsSync(path.join(ROOT, runbook))).toBe(true);
      expect(readFileSync(path.join(ROOT, runbook), 'utf8')).toContain(String(rule.alert));
    },
  );

  it('has promtool tests in which every alert fires and stays quiet', () => {
    const cases = readYaml<RuleTests>('deploy/prometheus/tests/alerts.test.yml').tests.flatMap(
      (test) => test.alert_rule_test ?? [],
    );
    for (const name of alertNames) {
      const ofAlert = cases.filter((testCase) => testCase.alertname === name);
      expect({ name, fires: ofAlert.some((testCase) => testCase.exp_alerts.length > 0) }).toEqual({
        name,
        fires: true,
      });
      expect({ name, quiet: ofAlert.some((testCase) => testCase.exp_alerts.length === 0) }).toEqual({
        name,
        quiet: true,
      });
    }
  });

  it('records success and error ratios per workflow and per action type over 5m and 1h', () => {
    const names = recordings.map((rule) => rule.record);
    for (const level of ['tenant_workflow', 'action_type']) {
      for (const ratio of ['errors', 'success']) {
        for (const window of ['5m', '1h']) {
          expect(names).toContain(`${level}:aw_workflow_executions_${ratio}:ratio_rate${window}`);
        }
      }
    }
  });
});

describe('Alertmanager routing', () => {
  const config = readYaml<AlertmanagerConfig>('deploy/alertmanager/alertmanager.yml');
  const receivers = config.receivers.map((receiver) => receiver.name);

  it('routes only to receivers it defines', () => {
    for (const route of [config.route, ...(config.route.routes ?? [])]) expect(receivers).toContain(route.receiver);
  });

  it('inhibits only alerts that exist', () => {
    const named = config.inhibit_rules
      .flatMap((rule) => [...rule.source_matchers, ...rule.target_matchers])
      .flatMap((matcher) => /^alertname="(.+)"$/.exec(matcher)?.slice(1) ?? []);
    expect(named.length).toBeGreaterThan(0);
    for (const name of named) expect(alertNames).toContain(name);
  });
});

describe('docs/observability.md', () => {
  const doc = readFileSync(path.join(ROOT, 'docs/observability.md'), 'utf8');

  it('lists every metric of the engine', async () => {
    const names = (await registry.getMetricsAsJSON())
      .map((metric) => metric.name)
      .filter((name) => name.startsWith('aw_'));
    expect(names.length).toBeGreaterThan(20);
    for (const name of names) expect({ name, listed: doc.includes(`\`${name}\``) }).toEqual({ name, listed: true });
  });

  it('lists every alert with its runbook', () => {
    for (const rule of alerts) {
      expect({ alert: rule.alert, listed: doc.includes(`\`${rule.alert}\``) }).toEqual({
        alert: rule.alert,
        listed: true,
      });
      const runbook = path.basename(rule.annotations?.runbook_url ?? '', '.md');
      expect(doc).toContain(`(runbooks/${runbook}.md)`);
    }
  });
});
