import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** A named time series of a tenant: `signal` (by signal name) or `workflow_execution` (by workflow and outcome). */
export type Series = 'signal' | 'workflow_execution';

export interface CountIncrement {
  /** Unique id of the counted record; a record is counted once however often it is delivered. */
  recordId: string;
  tenantId: string;
  series: Series;
  name: string;
  windowStart: Date;
}

export interface MinuteCount {
  name: string;
  windowStart: string;
  count: number;
}

@Injectable()
export class MinuteCountsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Exactly-once counting: the record id is remembered in the same transaction as the increment,
   * so a redelivered record (after a crash before the offset commit) changes nothing.
   */
  async increment(increment: CountIncrement): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const inserted: unknown[] = await manager.query(
        `INSERT INTO counted_records (record_id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING record_id`,
        [increment.recordId],
      );
      if (inserted.length === 0) return;
      await manager.query(
        `INSERT INTO minute_counts (tenant_id, series, name, window_start, count) VALUES ($1, $2, $3, $4, 1)
         ON CONFLICT (tenant_id, series, name, window_start) DO UPDATE SET count = minute_counts.count + 1`,
        [increment.tenantId, increment.series, increment.name, increment.windowStart],
      );
    });
  }

  async series(tenantId: string, series: Series, from: Date, to: Date): Promise<MinuteCount[]> {
    const rows: { name: string; window_start: Date; count: string }[] = await this.dataSource.query(
      `SELECT name, window_start, count FROM minute_counts
       WHERE tenant_id = $1 AND series = $2 AND window_start >= $3 AND window_start < $4
       ORDER BY window_start, name`,
      [tenantId, series, from, to],
    );
    return rows.map((row) => ({
      name: row.name,
      windowStart: row.window_start.toISOString(),
      count: Number(row.count),
    }));
  }
}
