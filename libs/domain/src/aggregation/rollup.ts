import { GRANULARITIES, type AggregateKind, type Granularity } from '@app/contracts';
import { windowStart } from './time-window';

/** One record to count once, in the windows of its event time. */
export interface CountedRecord {
  /** Unique per counted record: a record delivered again is recognised by it. */
  recordId: string;
  tenantId: string;
  kind: AggregateKind;
  name: string;
  /** The workflow the record belongs to, '' when none (intents): the breakdown dimension. */
  workflowId: string;
  eventTime: Date;
}

/** An increment of one window of one granularity. */
export interface WindowIncrement {
  tenantId: string;
  kind: AggregateKind;
  name: string;
  workflowId: string;
  granularity: Granularity;
  windowStart: Date;
  count: number;
}

/**
 * The increments that counting `records` makes: each record adds one to its minute, hour and day
 * window, and records of the same window are summed into one increment (one upsert per window and
 * batch instead of one per record).
 */
export function rollUp(records: readonly CountedRecord[]): WindowIncrement[] {
  const byWindow = new Map<string, WindowIncrement>();
  for (const record of records) {
    for (const granularity of GRANULARITIES) {
      const start = windowStart(record.eventTime, granularity);
      const key = JSON.stringify([record.tenantId, record.kind, record.name, record.workflowId, granularity, +start]);
      const existing = byWindow.get(key);
      if (existing) existing.count += 1;
      else
        byWindow.set(key, {
          tenantId: record.tenantId,
          kind: record.kind,
          name: record.name,
          workflowId: record.workflowId,
          granularity,
          windowStart: start,
          count: 1,
        });
    }
  }
  return [...byWindow.values()];
}
