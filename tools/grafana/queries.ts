import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** One PromQL query of a dashboard panel, with Grafana's variables replaced so Prometheus can run it. */
export interface DashboardQuery {
  dashboard: string;
  panel: string;
  refId: string;
  promql: string;
  /** Grafana's legend template, e.g. `{{service}} ← {{topic}}`. */
  legend: string;
  /** The panel's Grafana unit. */
  unit: string;
}

/**
 * Every panel query of the dashboards under deploy/grafana/dashboards, as Grafana would send it:
 * `$__rate_interval` becomes `rateInterval`, and each dashboard variable the value given (a
 * regex-free label value). Used by the e2e test that runs them on a real Prometheus and by the
 * screenshot script.
 */
export function dashboardQueries(
  repoRoot: string,
  options: { rateInterval?: string; variables?: Record<string, string> } = {},
): DashboardQuery[] {
  const dir = path.join(repoRoot, 'deploy/grafana/dashboards');
  const variables: Record<string, string> = { __rate_interval: options.rateInterval ?? '1m', ...options.variables };
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .flatMap((file) => {
      const board = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as {
        title: string;
        panels: {
          title: string;
          fieldConfig?: { defaults?: { unit?: string } };
          targets?: { refId: string; expr: string; legendFormat?: string }[];
        }[];
      };
      return board.panels.flatMap((panel) =>
        (panel.targets ?? []).map((target) => ({
          dashboard: board.title,
          panel: panel.title,
          refId: target.refId,
          promql: target.expr.replace(/\$(\w+)/g, (whole, name: string) => variables[name] ?? whole),
          legend: target.legendFormat ?? '',
          unit: panel.fieldConfig?.defaults?.unit ?? 'short',
        })),
      );
    });
}
