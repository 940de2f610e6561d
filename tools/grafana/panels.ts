import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';

/** The Prometheus datasource provisioned by deploy/grafana/provisioning/datasources/prometheus.yml. */
export const PROMETHEUS: dashboard.DataSourceRef = { type: 'prometheus', uid: 'prometheus' };

export interface PanelQuery {
  expr: string;
  legend: string;
}

export interface PanelSpec {
  title: string;
  description: string;
  /** A Grafana unit id: reqps, percentunit, s, short, none. */
  unit: string;
  queries: PanelQuery[];
  /** Width out of 24 columns. */
  width?: number;
  min?: number;
  max?: number;
}

/** A time series panel of PromQL queries on the provisioned Prometheus. */
export function timeSeriesPanel(spec: PanelSpec): timeseries.PanelBuilder {
  const panel = new timeseries.PanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .datasource(PROMETHEUS)
    .unit(spec.unit)
    .height(8)
    .span(spec.width ?? 12);
  if (spec.min !== undefined) panel.min(spec.min);
  if (spec.max !== undefined) panel.max(spec.max);
  spec.queries.forEach((query, index) =>
    panel.withTarget(
      new prometheus.DataqueryBuilder()
        .refId(String.fromCharCode(65 + index))
        .expr(query.expr)
        .legendFormat(query.legend)
        .datasource(PROMETHEUS),
    ),
  );
  return panel;
}
