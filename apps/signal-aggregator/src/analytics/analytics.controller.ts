import { Controller, Get, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  AGGREGATE_KINDS,
  ANALYTICS_FORMATS,
  BreakdownQuerySchema,
  BreakdownViewSchema,
  GRANULARITIES,
  SeriesQuerySchema,
  SeriesViewSchema,
  TopQuerySchema,
  TopViewSchema,
  type AggregateKind,
  type BreakdownView,
  type SeriesView,
  type TopView,
} from '@app/contracts';
import { windowCount } from '@app/domain';
import { ApiErrors, ApiJsonOrCsvResponse, ApiKeyAuth, ApiQueryParams, QueryParams, TenantId } from '@app/platform';
import { AnalyticsService, type Period } from './analytics.service';
import { csvDownload } from './csv-download';

const DAY_MS = 24 * 60 * 60 * 1000;
/**
 * Most points one series answers: three days of minutes. The cost grows with the points (JSON),
 * not the data behind them: a week of minutes (10,080 points) took 108 ms at p99, three days
 * 98 ms under load, a day 34-64 ms (docs/benchmarks.md); no chart shows more, and hours serve a month.
 */
const MAX_POINTS = 4_320;

const SERIES_CSV_COLUMNS = ['window_start', 'count'];
const TOP_CSV_COLUMNS = ['name', 'count', 'previous_count', 'change', 'change_ratio'];
const BREAKDOWN_CSV_COLUMNS = ['workflow_id', 'count'];

/**
 * The analyst API: time series, top-N with the change against the previous period, breakdown by
 * workflow; each as JSON, or as CSV with `format=csv`. Periods are windows starting in
 * [from, to) (default: the last 24 hours).
 */
@ApiTags('analytics')
@ApiKeyAuth()
@Controller('v1/analytics')
export class AnalyticsController {
  constructor(private readonly analytics: AnalyticsService) {}

  @ApiOperation({ summary: "One name's count per window; windows without records count 0." })
  @ApiQueryParams(SeriesQuerySchema)
  @ApiJsonOrCsvResponse(SeriesViewSchema, SERIES_CSV_COLUMNS)
  @ApiErrors(400)
  @Get('series')
  async series(
    @TenantId() tenantId: string,
    @Query() query: Record<string, unknown>,
    @Res({ passthrough: true }) response: Response,
  ): Promise<SeriesView | string> {
    const params = new QueryParams(query);
    const kind = params.oneOf('kind', AGGREGATE_KINDS, { required: true });
    const name = params.text('name', { required: true });
    const granularity = params.oneOf('granularity', GRANULARITIES) ?? 'hour';
    const workflowId = params.uuid('workflowId');
    const period = readPeriod(params);
    if (windowCount(period.from, period.to, granularity) > MAX_POINTS) {
      params.issue('granularity', `gives more than ${MAX_POINTS} points over from..to: choose a coarser one`);
    }
    const format = readFormat(params);
    params.orThrow();
    const view = await this.analytics.series(tenantId, {
      kind: kind!,
      name: name!,
      granularity,
      ...period,
      ...(workflowId ? { workflowId } : {}),
    });
    if (format === 'json') return view;
    return csvDownload(
      response,
      `${view.kind}-${view.name}-${view.granularity}`,
      SERIES_CSV_COLUMNS,
      view.points.map((point) => [point.windowStart, point.count]),
    );
  }

  @ApiOperation({ summary: 'The names with the most records, each against the period of the same length before.' })
  @ApiQueryParams(TopQuerySchema)
  @ApiJsonOrCsvResponse(TopViewSchema, TOP_CSV_COLUMNS)
  @ApiErrors(400)
  @Get('top')
  async top(
    @TenantId() tenantId: string,
    @Query() query: Record<string, unknown>,
    @Res({ passthrough: true }) response: Response,
  ): Promise<TopView | string> {
    const params = new QueryParams(query);
    const kind = params.oneOf('kind', AGGREGATE_KINDS, { required: true });
    const limit = params.integer('limit', { min: 1, max: 100, fallback: 10 });
    const period = readPeriod(params);
    const format = readFormat(params);
    params.orThrow();
    const view = await this.analytics.top(tenantId, { kind: kind!, limit, ...period });
    if (format === 'json') return view;
    return csvDownload(
      response,
      `top-${view.kind}`,
      TOP_CSV_COLUMNS,
      view.items.map((item) => [item.name, item.count, item.previousCount, item.change, item.changeRatio ?? '']),
    );
  }

  @ApiOperation({ summary: "One signal's count per workflow that applied it." })
  @ApiQueryParams(BreakdownQuerySchema)
  @ApiJsonOrCsvResponse(BreakdownViewSchema, BREAKDOWN_CSV_COLUMNS)
  @ApiErrors(400)
  @Get('breakdown')
  async breakdown(
    @TenantId() tenantId: string,
    @Query() query: Record<string, unknown>,
    @Res({ passthrough: true }) response: Response,
  ): Promise<BreakdownView | string> {
    const params = new QueryParams(query);
    const kind = params.oneOf('kind', ['signal'] as const satisfies readonly AggregateKind[]) ?? 'signal';
    const name = params.text('name', { required: true });
    const period = readPeriod(params);
    const format = readFormat(params);
    params.orThrow();
    const view = await this.analytics.breakdown(tenantId, { kind, name: name!, ...period });
    if (format === 'json') return view;
    return csvDownload(
      response,
      `breakdown-${view.name}`,
      BREAKDOWN_CSV_COLUMNS,
      view.items.map((item) => [item.workflowId ?? '', item.count]),
    );
  }
}

function readPeriod(params: QueryParams): Period {
  const to = params.time('to', new Date());
  const from = params.time('from', new Date(to.getTime() - DAY_MS));
  if (to.getTime() <= from.getTime()) params.issue('to', 'must be after from');
  return { from, to };
}

function readFormat(params: QueryParams): 'json' | 'csv' {
  return params.oneOf('format', ANALYTICS_FORMATS) ?? 'json';
}
