import { Controller, Get, Query } from '@nestjs/common';
import { InvalidInputError, type ValidationIssue } from '@app/contracts';
import { TenantId } from '@app/platform';
import { MinuteCountsRepository, type MinuteCount, type Series } from './minute-counts.repository';

const SERIES: readonly Series[] = ['signal', 'workflow_execution'];
const DAY_MS = 24 * 60 * 60 * 1000;

/** Analyst queries over the minute windows. */
@Controller('v1/aggregates')
export class AggregatesController {
  constructor(private readonly counts: MinuteCountsRepository) {}

  @Get()
  async query(
    @TenantId() tenantId: string,
    @Query('series') series?: string,
    @Query('from') from?: string,
    @Query('to') to?: string,
  ): Promise<{ series: Series; items: MinuteCount[] }> {
    const issues: ValidationIssue[] = [];
    if (!SERIES.includes(series as Series))
      issues.push({ field: 'query:series', reason: `must be one of ${SERIES.join(', ')}` });
    const end = to === undefined ? new Date() : new Date(to);
    const start = from === undefined ? new Date(end.getTime() - DAY_MS) : new Date(from);
    if (Number.isNaN(end.getTime())) issues.push({ field: 'query:to', reason: 'must be an ISO 8601 time' });
    if (Number.isNaN(start.getTime())) issues.push({ field: 'query:from', reason: 'must be an ISO 8601 time' });
    if (issues.length > 0) throw new InvalidInputError('invalid_query', 'invalid query parameters', issues);
    return { series: series as Series, items: await this.counts.series(tenantId, series as Series, start, end) };
  }
}
