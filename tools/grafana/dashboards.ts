import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { PROMETHEUS, timeSeriesPanel, type PanelSpec } from './panels';

/*
 * The Grafana dashboards of Agent Workflows, as code (grafana-foundation-sdk). `npm run
 * grafana:generate` writes them to deploy/grafana/dashboards/*.json, which Grafana provisions;
 * test/unit/grafana.spec.ts fails when the files differ from this code, and the observability e2e
 * test runs every panel's query against a Prometheus that scraped the running system.
 */

const RATE = '$__rate_interval';

/** The overview SREs keep open: traffic, matches, outcomes, latency, retries, DLQ, lag, resources. */
export const OVERVIEW_PANELS: { row: string; panels: PanelSpec[] }[] = [
  {
    row: 'Traffic',
    panels: [
      {
        title: 'Events in per second',
        description: 'Kafka records consumed by each service, by topic.',
        unit: 'reqps',
        queries: [
          {
            expr: `sum by (service, topic) (rate(aw_events_consumed_total[${RATE}]))`,
            legend: '{{service}} ← {{topic}}',
          },
        ],
      },
      {
        title: 'Events out per second',
        description: 'Kafka records produced by each service, by topic.',
        unit: 'reqps',
        queries: [
          {
            expr: `sum by (service, topic) (rate(aw_events_produced_total[${RATE}]))`,
            legend: '{{service}} → {{topic}}',
          },
        ],
      },
      {
        title: 'Trigger evaluations and matches per second',
        description:
          "Events evaluated against their tenant's workflows (by event type), and workflows fired (by trigger type).",
        unit: 'reqps',
        queries: [
          {
            expr: `sum by (event_type) (rate(aw_trigger_evaluations_total[${RATE}]))`,
            legend: 'evaluated {{event_type}}',
          },
          {
            expr: `sum by (trigger_type) (rate(aw_trigger_matches_total[${RATE}]))`,
            legend: 'matched {{trigger_type}}',
          },
        ],
      },
      {
        title: 'Decision provider: messages asked and fallbacks per second',
        description:
          'Contact messages intent matching was unsure of and asked the decision provider (an LLM) about, and those it failed to answer in time, which intent matching decided instead (AwDecisionProviderFailing). Flat at 0 when no provider is configured.',
        unit: 'reqps',
        queries: [
          { expr: `sum(rate(aw_decision_provider_requests_total[${RATE}])) or vector(0)`, legend: 'asked' },
          {
            expr: `sum(rate(aw_decision_provider_fallbacks_total[${RATE}])) or vector(0)`,
            legend: 'fell back to intent matching',
          },
        ],
      },
      {
        title: 'Escalation hand-offs after asking for contact details, by outcome',
        description:
          'Escalations that asked the contact for their email or phone number and waited: answered (the hand-off carries them), ended (the conversation ended first) or timed_out (requireContact.waitSeconds ran out). Many timed_out: the question goes unanswered, check the prompt and the wait.',
        unit: 'reqps',
        queries: [
          {
            expr: `sum by (outcome) (rate(aw_escalation_hand_offs_total[${RATE}])) or vector(0)`,
            legend: '{{outcome}}',
          },
        ],
      },
      {
        title: 'Rejected events per second',
        description: 'Inbound events refused (dead-lettered or answered 4xx), by reason.',
        unit: 'reqps',
        queries: [
          { expr: `sum by (reason) (rate(aw_events_rejected_total[${RATE}])) or vector(0)`, legend: '{{reason}}' },
        ],
      },
    ],
  },
  {
    row: 'Executions',
    panels: [
      {
        title: 'Executions per second by outcome',
        description: 'Finished workflow executions: succeeded, failed (every attempt used), skipped.',
        unit: 'reqps',
        queries: [{ expr: `sum by (outcome) (rate(aw_workflow_executions_total[${RATE}]))`, legend: '{{outcome}}' }],
      },
      {
        title: 'Success rate per workflow (5m)',
        description: "Succeeded / (succeeded + failed) per workflow; `other` folds a tenant's less busy workflows.",
        unit: 'percentunit',
        min: 0,
        max: 1,
        queries: [
          { expr: 'tenant_workflow:aw_workflow_executions_success:ratio_rate5m', legend: '{{tenant}} / {{workflow}}' },
        ],
      },
      {
        title: 'End-to-end latency p50 / p99',
        description: 'From the conversation event to the action done, successful executions, by action type.',
        unit: 's',
        queries: [
          {
            expr: `histogram_quantile(0.5, sum by (le, action_type) (rate(aw_end_to_end_latency_seconds_bucket{outcome="succeeded"}[${RATE}])))`,
            legend: 'p50 {{action_type}}',
          },
          {
            expr: `histogram_quantile(0.99, sum by (le, action_type) (rate(aw_end_to_end_latency_seconds_bucket{outcome="succeeded"}[${RATE}])))`,
            legend: 'p99 {{action_type}}',
          },
        ],
      },
      {
        title: 'Delivery attempt latency p50 / p99',
        description: 'Duration of one outbound delivery attempt, by action type.',
        unit: 's',
        queries: [
          {
            expr: `histogram_quantile(0.5, sum by (le, action_type) (rate(aw_action_delivery_duration_seconds_bucket[${RATE}])))`,
            legend: 'p50 {{action_type}}',
          },
          {
            expr: `histogram_quantile(0.99, sum by (le, action_type) (rate(aw_action_delivery_duration_seconds_bucket[${RATE}])))`,
            legend: 'p99 {{action_type}}',
          },
        ],
      },
      {
        title: 'Retries scheduled per second',
        description: 'Failed attempts scheduled to be tried again, by action type and whether the receiver throttled.',
        unit: 'reqps',
        queries: [
          {
            expr: `sum by (action_type, throttled) (rate(aw_delivery_retries_scheduled_total[${RATE}])) or vector(0)`,
            legend: '{{action_type}} throttled={{throttled}}',
          },
        ],
      },
      {
        title: 'Open circuits and disabled endpoints',
        description: 'Endpoint circuit breakers open now, and webhook endpoints disabled in the last hour.',
        unit: 'short',
        queries: [
          { expr: 'sum(aw_webhook_circuits_open) or vector(0)', legend: 'circuits open' },
          {
            // A workflow's series first appears at 1: increase() alone misses it (see the alert).
            expr: 'sum((increase(aw_webhook_endpoints_disabled_total[1h]) > 0) or (aw_webhook_endpoints_disabled_total unless aw_webhook_endpoints_disabled_total offset 1h)) or vector(0)',
            legend: 'endpoints disabled (1h)',
          },
        ],
      },
    ],
  },
  {
    row: 'Kafka and database',
    panels: [
      {
        title: 'Dead-lettered records per second',
        description: 'Records written to a dead-letter topic, by service and DLQ topic.',
        unit: 'reqps',
        queries: [
          {
            expr: `sum by (service, topic) (rate(aw_dead_lettered_total[${RATE}])) or vector(0)`,
            legend: '{{service}} → {{topic}}',
          },
        ],
      },
      {
        title: 'Consumer lag',
        description: 'Records each consumer group has not committed yet, by topic.',
        unit: 'short',
        queries: [{ expr: 'group_topic:aw_kafka_consumer_lag_records:sum', legend: '{{group}} on {{topic}}' }],
      },
      {
        title: 'Batch duration p99 by topic',
        description: 'Time to process and commit one consumed batch, by topic: slow batches make lag and latency grow.',
        unit: 's',
        queries: [
          {
            expr: `histogram_quantile(0.99, sum by (le, topic) (rate(aw_kafka_batch_duration_seconds_bucket[${RATE}])))`,
            legend: '{{topic}}',
          },
        ],
      },
      {
        title: 'Kafka produce errors per second',
        description: 'Produce requests that failed after the client retries, by topic.',
        unit: 'reqps',
        queries: [
          { expr: `sum by (topic) (rate(aw_kafka_produce_errors_total[${RATE}])) or vector(0)`, legend: '{{topic}}' },
        ],
      },
      {
        title: 'Database pool connections',
        description: 'Connections in use per service, and queries waiting for one.',
        unit: 'short',
        queries: [
          { expr: 'sum by (service) (aw_database_pool_connections{state="in_use"})', legend: '{{service}} in use' },
          { expr: 'sum by (service) (aw_database_pool_waiting_clients)', legend: '{{service}} waiting' },
        ],
      },
      {
        title: 'Time for changes to take effect p99',
        description:
          "From a workflow's change (enable, disable, edit) or an API key's issue or revocation to each service's view applying it.",
        unit: 's',
        queries: [
          {
            expr: `histogram_quantile(0.99, sum by (le, service, view) (rate(aw_view_change_lag_seconds_bucket[${RATE}])))`,
            legend: '{{service}}: {{view}}',
          },
        ],
      },
      {
        title: 'Views behind their topics',
        description:
          "Offsets of its compacted topic each instance's in-memory view has yet to read; 0 when caught up. A view that stays behind and reads nothing is stuck (AwViewStuck).",
        unit: 'short',
        queries: [
          { expr: 'service_instance_view:aw_view_records_behind:sum', legend: '{{service}} {{instance}}: {{view}}' },
        ],
      },
    ],
  },
];

const WORKFLOW = 'tenant="$tenant", workflow="$workflow"';

/** One workflow: its executions, success and error rates, circuit and endpoint. */
export const WORKFLOW_PANELS: { row: string; panels: PanelSpec[] }[] = [
  {
    row: 'Workflow $workflow',
    panels: [
      {
        title: 'Executions per second by outcome',
        description: 'Finished executions of the workflow, by outcome.',
        unit: 'reqps',
        queries: [
          {
            expr: `sum by (outcome) (rate(aw_workflow_executions_total{${WORKFLOW}}[${RATE}]))`,
            legend: '{{outcome}}',
          },
        ],
      },
      {
        title: 'Success rate (5m and 1h)',
        description: 'Succeeded / (succeeded + failed), over 5 minutes and over an hour.',
        unit: 'percentunit',
        min: 0,
        max: 1,
        queries: [
          { expr: `tenant_workflow:aw_workflow_executions_success:ratio_rate5m{${WORKFLOW}}`, legend: '5m' },
          { expr: `tenant_workflow:aw_workflow_executions_success:ratio_rate1h{${WORKFLOW}}`, legend: '1h' },
        ],
      },
      {
        title: 'Error rate (5m and 1h)',
        description:
          'Failed / (succeeded + failed): AwWorkflowErrorRateHigh fires above 25% with 10+ executions in 5m.',
        unit: 'percentunit',
        min: 0,
        max: 1,
        queries: [
          { expr: `tenant_workflow:aw_workflow_executions_errors:ratio_rate5m{${WORKFLOW}}`, legend: '5m' },
          { expr: `tenant_workflow:aw_workflow_executions_errors:ratio_rate1h{${WORKFLOW}}`, legend: '1h' },
        ],
      },
      {
        title: 'Finished executions (5m)',
        description: 'Succeeded and failed executions in the last 5 minutes: the volume the error alert requires.',
        unit: 'short',
        queries: [
          { expr: `tenant_workflow:aw_workflow_executions_finished:increase5m{${WORKFLOW}}`, legend: 'finished' },
        ],
      },
      {
        title: 'Circuit open and endpoint disabled',
        description: 'Whether the endpoint circuit is open now, and endpoint disablings in the last hour.',
        unit: 'short',
        queries: [
          { expr: `sum(aw_webhook_circuits_open{${WORKFLOW}}) or vector(0)`, legend: 'circuit open' },
          {
            expr: `sum((increase(aw_webhook_endpoints_disabled_total{${WORKFLOW}}[1h]) > 0) or (aw_webhook_endpoints_disabled_total{${WORKFLOW}} unless aw_webhook_endpoints_disabled_total{${WORKFLOW}} offset 1h)) or vector(0)`,
            legend: 'disabled (1h)',
          },
        ],
      },
    ],
  },
];

function build(options: {
  uid: string;
  title: string;
  description: string;
  rows: { row: string; panels: PanelSpec[] }[];
  variables?: dashboard.QueryVariableBuilder[];
}): dashboard.Dashboard {
  const builder = new dashboard.DashboardBuilder(options.title)
    .uid(options.uid)
    .description(options.description)
    .tags(['agent-workflows'])
    .refresh('30s')
    .time({ from: 'now-1h', to: 'now' })
    .timezone('browser')
    .readonly();
  for (const variable of options.variables ?? []) builder.withVariable(variable);
  for (const { row, panels } of options.rows) {
    builder.withRow(new dashboard.RowBuilder(row));
    for (const panel of panels) builder.withPanel(timeSeriesPanel(panel));
  }
  return builder.build();
}

function labelVariable(name: string, label: string, query: string): dashboard.QueryVariableBuilder {
  return new dashboard.QueryVariableBuilder(name)
    .label(label)
    .datasource(PROMETHEUS)
    .query({ query, refId: 'PrometheusVariableQueryEditor-VariableQuery', qryType: 1 })
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc);
}

/** Every dashboard, by the file name it is written to under deploy/grafana/dashboards/. */
export function dashboards(): Record<string, dashboard.Dashboard> {
  return {
    'agent-workflows-overview.json': build({
      uid: 'aw-overview',
      title: 'Agent Workflows — overview',
      description:
        'Events, matches, executions by outcome, success per workflow, latency, retries, DLQ and consumer lag.',
      rows: OVERVIEW_PANELS,
    }),
    'agent-workflows-workflow.json': build({
      uid: 'aw-workflow',
      title: 'Agent Workflows — workflow',
      description: 'One workflow of one tenant: executions, success and error rates, circuit and endpoint.',
      rows: WORKFLOW_PANELS,
      variables: [
        labelVariable('tenant', 'Tenant', 'label_values(aw_workflow_executions_total, tenant)'),
        labelVariable('workflow', 'Workflow', 'label_values(aw_workflow_executions_total{tenant="$tenant"}, workflow)'),
      ],
    }),
  };
}
