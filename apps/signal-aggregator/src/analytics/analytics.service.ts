import { Injectable } from '@nestjs/common';
import type { AggregateKind, BreakdownView, Granularity, SeriesView, TopView } from '@app/contracts';
import { previousPeriod, tileRange, topWithChange, windowStartsBetween } from '@app/domain';
import { WindowCountsRepository } from '../aggregates/window-counts.repository';

export interface Period {
  from: Date;
  to: Date;
}

/** Analyst queries over the window counts: series, top-N with trends, breakdown by workflow. */
@Injectable()
export class AnalyticsService {
  constructor(private readonly counts: WindowCountsRepository) {}

  /** Every window of `granularity` starting in the range, with 0 where nothing was counted. */
  async series(
    tenantId: string,
    query: { kind: AggregateKind; name: string; granularity: Granularity; workflowId?: string } & Period,
  ): Promise<SeriesView> {
    const starts = windowStartsBetween(query.from, query.to, query.granularity);
    const counts = await this.counts.series(
      tenantId,
      query.kind,
      query.name,
      query.granularity,
      { from: query.from, to: query.to },
      query.workflowId,
    );
    return {
      kind: query.kind,
      name: query.name,
      granularity: query.granularity,
      from: query.from.toISOString(),
      to: query.to.toISOString(),
      ...(query.workflowId ? { workflowId: query.workflowId } : {}),
      points: starts.map((start) => ({ windowStart: start.toISOString(), count: counts.get(start.getTime()) ?? 0 })),
    };
  }

  async top(tenantId: string, query: { kind: AggregateKind; limit: number } & Period): Promise<TopView> {
    const previous = previousPeriod(query.from, query.to);
    const [current, before] = await Promise.all([
      this.counts.totals(tenantId, query.kind, tileRange(query.from, query.to), { name: true }),
      this.counts.totals(tenantId, query.kind, tileRange(previous.from, previous.to), { name: true }),
    ]);
    return {
      kind: query.kind,
      from: query.from.toISOString(),
      to: query.to.toISOString(),
      previousFrom: previous.from.toISOString(),
      previousTo: previous.to.toISOString(),
      items: topWithChange(current, before, query.limit),
    };
  }

  async breakdown(tenantId: string, query: { kind: AggregateKind; name: string } & Period): Promise<BreakdownView> {
    const totals = await this.counts.totals(tenantId, query.kind, tileRange(query.from, query.to), {
      workflowsOf: query.name,
    });
    return {
      kind: query.kind,
      name: query.name,
      from: query.from.toISOString(),
      to: query.to.toISOString(),
      items: [...totals]
        .sort(([a, countA], [b, countB]) => countB - countA || (a < b ? -1 : 1))
        .map(([workflowId, count]) => ({ workflowId: workflowId === '' ? null : workflowId, count })),
    };
  }
}
