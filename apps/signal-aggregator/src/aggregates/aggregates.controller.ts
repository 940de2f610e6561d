import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AGGREGATE_KINDS, AggregatesQuerySchema, AggregatesViewSchema, type AggregatesView } from '@app/contracts';
import { ApiErrors, ApiKeyAuth, ApiQueryParams, QueryParams, TenantId, openApiSchema } from '@app/platform';
import { WindowCountsRepository } from './window-counts.repository';

const DAY_MS = 24 * 60 * 60 * 1000;
/**
 * The most minute windows one answer holds, one per name and minute (so the period alone does not
 * bound them; ~70 names active all day fit the default 24 hours): a larger period is refused
 * rather than read whole into memory. /v1/analytics serves longer periods in hours and days.
 */
export const MAX_MINUTE_WINDOWS = 100_000;

/** The raw minute windows of one kind, every name: what the analyst API (`/v1/analytics`) summarises. */
@ApiTags('aggregates')
@ApiKeyAuth()
@Controller('v1/aggregates')
export class AggregatesController {
  constructor(private readonly counts: WindowCountsRepository) {}

  @ApiOperation({ summary: 'The raw minute windows of one kind, every name.' })
  @ApiQueryParams(AggregatesQuerySchema)
  @ApiOkResponse({ schema: openApiSchema(AggregatesViewSchema) })
  @ApiErrors(400)
  @Get()
  async query(@TenantId() tenantId: string, @Query() query: Record<string, unknown>): Promise<AggregatesView> {
    const params = new QueryParams(query);
    const series = params.oneOf('series', AGGREGATE_KINDS, { required: true });
    const to = params.time('to', new Date());
    const from = params.time('from', new Date(to.getTime() - DAY_MS));
    if (to.getTime() <= from.getTime()) params.issue('to', 'must be after from');
    params.orThrow();
    const items = await this.counts.minutes(tenantId, series!, from, to, MAX_MINUTE_WINDOWS + 1);
    if (items.length > MAX_MINUTE_WINDOWS) {
      params.issue(
        'from',
        `the period holds more than ${MAX_MINUTE_WINDOWS} minute windows: shorten it, or use /v1/analytics`,
      );
      params.orThrow();
    }
    return { series: series!, items };
  }
}
