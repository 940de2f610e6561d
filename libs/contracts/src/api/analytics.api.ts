import { Type, type Static } from '@sinclair/typebox';
import { StringEnum, Timestamp } from '../schema-helpers';

/**
 * signal-aggregator's analyst API (`/v1/analytics/*`) and raw windows (`/v1/aggregates`). Query
 * parameters are strings, validated by the controllers; the query schemas here describe them.
 */

/** What is aggregated: applied signals, detected intents, triggered workflows, finished executions (`<workflow id>:<status>`). */
export const AGGREGATE_KINDS = ['signal', 'intent', 'workflow_trigger', 'workflow_execution'] as const;
export type AggregateKind = (typeof AGGREGATE_KINDS)[number];

/** The tumbling windows aggregates are kept in (UTC): minutes, rolled up to hours and days. */
export const GRANULARITIES = ['minute', 'hour', 'day'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

/** How the analyst API answers: JSON, or a CSV download (`format=csv`). */
export const ANALYTICS_FORMATS = ['json', 'csv'] as const;

const AggregateKindSchema = StringEnum([...AGGREGATE_KINDS]);
const GranularitySchema = StringEnum([...GRANULARITIES]);

/** The period every query takes: windows that start in [from, to). */
const PeriodQuery = {
  from: Type.Optional(Timestamp('Windows that start at or after this time; default `to` minus 24 hours.')),
  to: Type.Optional(Timestamp('Windows that start before this time; default now.')),
};
const FormatQuery = {
  format: Type.Optional(
    StringEnum([...ANALYTICS_FORMATS], { default: 'json', description: 'csv: the same rows as an RFC 4180 download.' }),
  ),
};

export const SeriesQuerySchema = Type.Object({
  kind: AggregateKindSchema,
  name: Type.String({ description: 'The signal, intent, workflow id or `<workflow id>:<status>` counted.' }),
  granularity: Type.Optional(
    StringEnum([...GRANULARITIES], {
      default: 'hour',
      description: 'At most 4,320 windows over from..to (three days of minutes).',
    }),
  ),
  workflowId: Type.Optional(Type.String({ format: 'uuid', description: 'Only what this workflow applied.' })),
  ...PeriodQuery,
  ...FormatQuery,
});

export const TopQuerySchema = Type.Object({
  kind: AggregateKindSchema,
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })),
  ...PeriodQuery,
  ...FormatQuery,
});

export const BreakdownQuerySchema = Type.Object({
  kind: Type.Optional(StringEnum(['signal'], { default: 'signal' })),
  name: Type.String({ description: 'The signal.' }),
  ...PeriodQuery,
  ...FormatQuery,
});

export const AggregatesQuerySchema = Type.Object({
  series: AggregateKindSchema,
  ...PeriodQuery,
});

/** `GET /v1/analytics/series`: one name's count per window; windows without records count 0. */
export const SeriesViewSchema = Type.Object({
  kind: AggregateKindSchema,
  name: Type.String(),
  granularity: GranularitySchema,
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  workflowId: Type.Optional(Type.String({ format: 'uuid' })),
  points: Type.Array(Type.Object({ windowStart: Type.String({ format: 'date-time' }), count: Type.Integer() })),
});
export type SeriesView = Static<typeof SeriesViewSchema>;

/** `GET /v1/analytics/top`: the names with the most records in [from, to), against the period just before. */
export const TopViewSchema = Type.Object({
  kind: AggregateKindSchema,
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  previousFrom: Type.String({ format: 'date-time' }),
  previousTo: Type.String({ format: 'date-time' }),
  items: Type.Array(
    Type.Object({
      name: Type.String(),
      count: Type.Integer(),
      previousCount: Type.Integer(),
      change: Type.Integer(),
      changeRatio: Type.Union([Type.Number(), Type.Null()], { description: 'null when previousCount is 0.' }),
    }),
  ),
});
export type TopView = Static<typeof TopViewSchema>;

/** `GET /v1/analytics/breakdown`: one signal's count in [from, to) per workflow that applied it. */
export const BreakdownViewSchema = Type.Object({
  kind: AggregateKindSchema,
  name: Type.String(),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  items: Type.Array(
    Type.Object({
      workflowId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], {
        description: 'null: applied without a workflow.',
      }),
      count: Type.Integer(),
    }),
  ),
});
export type BreakdownView = Static<typeof BreakdownViewSchema>;

/** One name's count in one minute window. */
export const MinuteCountSchema = Type.Object({
  name: Type.String(),
  windowStart: Type.String({ format: 'date-time' }),
  count: Type.Integer(),
});
export type MinuteCount = Static<typeof MinuteCountSchema>;

/** `GET /v1/aggregates`: the raw minute windows of one kind, every name. */
export const AggregatesViewSchema = Type.Object({
  series: AggregateKindSchema,
  items: Type.Array(MinuteCountSchema),
});
export type AggregatesView = Static<typeof AggregatesViewSchema>;
