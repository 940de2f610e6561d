import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { grafanaFiles } from '../../tools/generate-grafana';
import { dashboardQueries } from '../../tools/grafana/queries';

/**
 * The Grafana files under deploy/grafana are what tools/grafana generates, parse, refer only to
 * the provisioned Prometheus and to defined variables, and Grafana's alert rules say what the
 * Prometheus alert rules say. (That every panel's query returns data from the running system is
 * the observability e2e test's job.)
 */
const ROOT = path.resolve(__dirname, '../..');
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');

type Dashboard = {
  uid: string;
  title: string;
  templating?: { list: { name: string; datasource?: { uid: string } }[] };
  panels: { type: string; title: string; datasource?: { uid: string }; targets?: { expr: string; refId: string }[] }[];
};

const dashboardFiles = readdirSync(path.join(ROOT, 'deploy/grafana/dashboards')).filter((file) =>
  file.endsWith('.json'),
);
const provisionedDatasource = (
  parse(read('deploy/grafana/provisioning/datasources/prometheus.yml')) as { datasources: { uid: string }[] }
).datasources[0].uid;

describe('Grafana files', () => {
  it('are exactly what the code generates (run npm run grafana:generate after changing it)', () => {
    for (const [file, content] of Object.entries(grafanaFiles(ROOT)))
      expect({ file, content }).toEqual({ file, content: read(file) });
  });

  it('include an overview and a per-workflow dashboard', () => {
    const uids = dashboardFiles.map((file) => (JSON.parse(read(`deploy/grafana/dashboards/${file}`)) as Dashboard).uid);
    expect(uids.sort()).toEqual(['aw-overview', 'aw-workflow']);
  });

  it.each(dashboardFiles)('%s: every panel queries the provisioned Prometheus, with defined variables only', (file) => {
    const board = JSON.parse(read(`deploy/grafana/dashboards/${file}`)) as Dashboard;
    const variables = new Set((board.templating?.list ?? []).map((variable) => variable.name));
    const panels = board.panels.filter((panel) => panel.type !== 'row');
    expect(panels.length).toBeGreaterThan(3);
    for (const panel of panels) {
      expect({ panel: panel.title, uid: panel.datasource?.uid }).toEqual({
        panel: panel.title,
        uid: provisionedDatasource,
      });
      expect(panel.targets?.length).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        expect(target.expr).toMatch(/aw_/);
        const used = [...target.expr.matchAll(/\$(\w+)/g)]
          .map((match) => match[1])
          .filter((name) => !name.startsWith('__'));
        for (const name of used)
          expect({ panel: panel.title, variable: name, defined: variables.has(name) }).toEqual({
            panel: panel.title,
            variable: name,
            defined: true,
          });
      }
    }
  });

  it('list every panel query for the e2e test to run', () => {
    const queries = dashboardQueries(ROOT, { variables: { tenant: 'acme', workflow: 'wf-1' } });
    const targets = dashboardFiles.flatMap((file) =>
      (JSON.parse(read(`deploy/grafana/dashboards/${file}`)) as Dashboard).panels.flatMap(
        (panel) => panel.targets ?? [],
      ),
    );
    expect(queries).toHaveLength(targets.length);
    for (const query of queries) expect(query.promql).not.toMatch(/\$/);
  });

  it('alert from Grafana with the Prometheus alert rules, to a provisioned contact point', () => {
    const prometheus = (
      parse(read('deploy/prometheus/rules/alerts.yml')) as {
        groups: { rules: { alert: string; expr: string; for?: string; labels: Record<string, string> }[] }[];
      }
    ).groups.flatMap((group) => group.rules);
    const grafana = parse(read('deploy/grafana/provisioning/alerting/agent-workflows.yml')) as {
      groups: {
        folder: string;
        rules: {
          title: string;
          for: string;
          labels: Record<string, string>;
          data: { refId: string; model: { expr?: string } }[];
        }[];
      }[];
      contactPoints: { name: string }[];
      policies: { receiver: string; group_by: string[] }[];
    };
    const rules = grafana.groups.flatMap((group) => group.rules);
    expect(rules.map((rule) => rule.title).sort()).toEqual(prometheus.map((rule) => rule.alert).sort());
    for (const alert of prometheus) {
      const rule = rules.find((candidate) => candidate.title === alert.alert);
      expect(rule?.data.find((query) => query.refId === 'A')?.model.expr).toBe(alert.expr.trim());
      expect(rule?.labels).toEqual(alert.labels);
      expect(rule?.for).toBe(alert.for ?? '0s');
    }
    const contactPoints = grafana.contactPoints.map((point) => point.name);
    for (const policy of grafana.policies) expect(contactPoints).toContain(policy.receiver);
    // Grouped into notifications as Alertmanager groups them.
    const alertmanager = parse(read('deploy/alertmanager/alertmanager.yml')) as { route: { group_by: string[] } };
    for (const policy of grafana.policies) expect(policy.group_by).toEqual(alertmanager.route.group_by);
  });
});
