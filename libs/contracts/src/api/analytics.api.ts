/**
 * signal-aggregator's analyst API (`/v1/analytics/*`). Query parameters are strings, validated
 * by the controllers; these are the kinds, granularities and answers.
 */

/** What is aggregated: applied signals, detected intents, triggered workflows, finished executions (`<workflow id>:<status>`). */
export const AGGREGATE_KINDS = ['signal', 'intent', 'workflow_trigger', 'workflow_execution'] as const;
export type AggregateKind = (typeof AGGREGATE_KINDS)[number];

/** The tumbling windows aggregates are kept in (UTC): minutes, rolled up to hours and days. */
export const GRANULARITIES = ['minute', 'hour', 'day'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

/** `GET /v1/analytics/series`: one name's count per window; windows without records count 0. */
export interface SeriesView {
  kind: AggregateKind;
  name: string;
  granularity: Granularity;
  from: string;
  to: string;
  workflowId?: string;
  points: { windowStart: string; count: number }[];
}

/** `GET /v1/analytics/top`: the names with the most records in [from, to), against the period just before. */
export interface TopView {
  kind: AggregateKind;
  from: string;
  to: string;
  previousFrom: string;
  previousTo: string;
  items: { name: string; count: number; previousCount: number; change: number; changeRatio: number | null }[];
}

/** `GET /v1/analytics/breakdown`: one signal's count in [from, to) per workflow that applied it. */
export interface BreakdownView {
  kind: AggregateKind;
  name: string;
  from: string;
  to: string;
  /** `workflowId` null: applied without a workflow. */
  items: { workflowId: string | null; count: number }[];
}
