import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/*
 * Grafana-managed alert rules, a contact point and a notification policy, as a Grafana file
 * provisioning document (deploy/grafana/provisioning/alerting/agent-workflows.yml), for teams that
 * alert from Grafana instead of Alertmanager. The rules are derived from the Prometheus rules in
 * deploy/prometheus/rules/alerts.yml, so the two cannot say different things: the same PromQL
 * (recording rules included) is Grafana's query A, and condition B is true for every series it
 * returns, as in Prometheus. The types follow Grafana's documented provisioning file format.
 */

interface PrometheusAlert {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

interface GrafanaQuery {
  refId: string;
  datasourceUid: string;
  relativeTimeRange?: { from: number; to: number };
  model: Record<string, unknown>;
}

interface GrafanaRule {
  uid: string;
  title: string;
  condition: string;
  data: GrafanaQuery[];
  for: string;
  noDataState: 'OK' | 'NoData' | 'Alerting';
  execErrState: 'OK' | 'Error' | 'Alerting';
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface GrafanaAlertingProvisioning {
  apiVersion: 1;
  groups: { orgId: number; name: string; folder: string; interval: string; rules: GrafanaRule[] }[];
  contactPoints: {
    orgId: number;
    name: string;
    receivers: { uid: string; type: 'webhook'; settings: { url: string; httpMethod: 'POST' } }[];
  }[];
  policies: {
    orgId: number;
    receiver: string;
    group_by: string[];
    group_wait: string;
    group_interval: string;
    repeat_interval: string;
  }[];
}

const CONTACT_POINT = 'agent-workflows-oncall';
/** Replace with the team's pager or chat webhook; the placeholder host does not exist. */
const CONTACT_POINT_URL = 'http://alert-receiver.example.invalid/agent-workflows/grafana';

/** Prometheus templates to Grafana's: Grafana names query A's value `$values.A.Value`. */
function grafanaTemplate(text: string): string {
  return text.replace(/\$value\b/g, '$values.A.Value');
}

function grafanaRule(alert: PrometheusAlert): GrafanaRule {
  return {
    uid: alert.alert.replace(/^Aw/, 'aw-').toLowerCase().slice(0, 40),
    title: alert.alert,
    condition: 'B',
    data: [
      {
        refId: 'A',
        datasourceUid: 'prometheus',
        relativeTimeRange: { from: 600, to: 0 },
        model: { refId: 'A', expr: alert.expr.trim(), instant: true, range: false },
      },
      {
        refId: 'B',
        datasourceUid: '__expr__',
        // Every series the PromQL returns met its condition (Prometheus alerts the same way).
        model: { refId: 'B', type: 'math', expression: '$A == $A' },
      },
    ],
    for: alert.for ?? '0s',
    noDataState: 'OK',
    execErrState: 'Error',
    labels: alert.labels,
    annotations: Object.fromEntries(
      Object.entries(alert.annotations).map(([name, text]) => [name, grafanaTemplate(text)]),
    ),
  };
}

export function grafanaAlerting(repoRoot: string): GrafanaAlertingProvisioning {
  const rules = parse(readFileSync(path.join(repoRoot, 'deploy/prometheus/rules/alerts.yml'), 'utf8')) as {
    groups: { name: string; rules: PrometheusAlert[] }[];
  };
  return {
    apiVersion: 1,
    groups: rules.groups.map((group) => ({
      orgId: 1,
      name: group.name,
      folder: 'Agent Workflows',
      interval: '1m',
      rules: group.rules.map(grafanaRule),
    })),
    contactPoints: [
      {
        orgId: 1,
        name: CONTACT_POINT,
        receivers: [
          { uid: 'aw-oncall-webhook', type: 'webhook', settings: { url: CONTACT_POINT_URL, httpMethod: 'POST' } },
        ],
      },
    ],
    policies: [
      {
        orgId: 1,
        receiver: CONTACT_POINT,
        // As Alertmanager groups them (deploy/alertmanager/alertmanager.yml).
        group_by: ['alertname', 'tenant', 'workflow', 'action_type', 'topic', 'job', 'service', 'view'],
        group_wait: '30s',
        group_interval: '5m',
        repeat_interval: '4h',
      },
    ],
  };
}
