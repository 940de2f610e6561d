import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { deleteInChunks } from '@app/database';
import type { AggregateKind, Granularity, MinuteCount } from '@app/contracts';
import { rollUp, type CountedRecord, type RangeTile, type WindowIncrement } from '@app/domain';

@Injectable()
export class WindowCountsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Exactly-once counting of a batch, in one transaction: the record ids are remembered, and only
   * the records whose id was new add to their minute, hour and day windows. A record delivered
   * again (a batch redone after a crash, or a duplicate upstream) finds its id and adds nothing.
   * Ids and windows are written in sorted order, so that concurrent batches never deadlock.
   */
  async count(records: readonly CountedRecord[]): Promise<void> {
    if (records.length === 0) return;
    const ids = [...new Set(records.map((record) => record.recordId))].sort();
    await this.dataSource.transaction(async (manager) => {
      const inserted: { record_id: string }[] = await manager.query(
        `INSERT INTO counted_records (record_id) SELECT unnest($1::text[])
         ON CONFLICT DO NOTHING RETURNING record_id`,
        [ids],
      );
      const fresh = new Set(inserted.map((row) => row.record_id));
      const counted = records.filter((record) => fresh.delete(record.recordId));
      const increments = rollUp(counted).sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
      if (increments.length === 0) return;
      await manager.query(
        `INSERT INTO window_counts (tenant_id, kind, granularity, name, window_start, workflow_id, count)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::bigint[])
         ON CONFLICT (tenant_id, kind, granularity, name, window_start, workflow_id)
         DO UPDATE SET count = window_counts.count + EXCLUDED.count`,
        [
          increments.map((increment) => increment.tenantId),
          increments.map((increment) => increment.kind),
          increments.map((increment) => increment.granularity),
          increments.map((increment) => increment.name),
          increments.map((increment) => increment.windowStart.toISOString()),
          increments.map((increment) => increment.workflowId),
          increments.map((increment) => increment.count),
        ],
      );
    });
  }

  /** One name's counts per window of `granularity` starting in [from, to) (windows without records are absent). */
  async series(
    tenantId: string,
    kind: AggregateKind,
    name: string,
    granularity: Granularity,
    range: { from: Date; to: Date },
    workflowId?: string,
  ): Promise<Map<number, number>> {
    // Epoch milliseconds and float8 sums: numbers as they come, no Date or bigint string per row.
    const rows: { start_ms: number; count: number }[] = await this.dataSource.query(
      `SELECT (extract(epoch FROM window_start) * 1000)::float8 AS start_ms, sum(count)::float8 AS count FROM window_counts
       WHERE tenant_id = $1 AND kind = $2 AND granularity = $3 AND name = $4
         AND window_start >= $5 AND window_start < $6 AND ($7::text IS NULL OR workflow_id = $7)
       GROUP BY window_start`,
      [tenantId, kind, granularity, name, range.from, range.to, workflowId ?? null],
    );
    return new Map(rows.map((row) => [row.start_ms, row.count]));
  }

  /**
   * Totals over the tiles of a range (see `tileRange`), per name, or per workflow of one name.
   * Each tile reads its own granularity, so a month is a few dozen rows per name.
   */
  async totals(
    tenantId: string,
    kind: AggregateKind,
    tiles: readonly RangeTile[],
    by: { name: true } | { workflowsOf: string },
  ): Promise<Map<string, number>> {
    if (tiles.length === 0) return new Map();
    const params: unknown[] = [tenantId, kind];
    const tileConditions = tiles.map((tile) => {
      params.push(tile.granularity, tile.from, tile.to);
      const n = params.length;
      return `(granularity = $${n - 2} AND window_start >= $${n - 1} AND window_start < $${n})`;
    });
    let group = 'name';
    let nameCondition = '';
    if ('workflowsOf' in by) {
      params.push(by.workflowsOf);
      group = 'workflow_id';
      nameCondition = `AND name = $${params.length}`;
    }
    const rows: { key: string; count: string }[] = await this.dataSource.query(
      `SELECT ${group} AS key, sum(count) AS count FROM window_counts
       WHERE tenant_id = $1 AND kind = $2 ${nameCondition} AND (${tileConditions.join(' OR ')})
       GROUP BY ${group}`,
      params,
    );
    return new Map(rows.map((row) => [row.key, Number(row.count)]));
  }

  /** Every name's minute counts in [from, to), oldest first, at most `limit` of them: the raw listing of `/v1/aggregates`. */
  async minutes(tenantId: string, kind: AggregateKind, from: Date, to: Date, limit: number): Promise<MinuteCount[]> {
    const rows: { name: string; window_start: Date; count: string }[] = await this.dataSource.query(
      `SELECT name, window_start, sum(count) AS count FROM window_counts
       WHERE tenant_id = $1 AND kind = $2 AND granularity = 'minute' AND window_start >= $3 AND window_start < $4
       GROUP BY name, window_start ORDER BY window_start, name LIMIT $5`,
      [tenantId, kind, from, to, limit],
    );
    return rows.map((row) => ({
      name: row.name,
      windowStart: row.window_start.toISOString(),
      count: Number(row.count),
    }));
  }

  /**
   * Remembers conversations as preview ones (keys from `conversationKey`), and answers which of
   * `keys` are: remembered before, or marked now. Marking again renews the mark.
   */
  async previewConversations(marked: readonly string[], keys: readonly string[]): Promise<Set<string>> {
    if (marked.length > 0) {
      const pairs = [...new Set(marked)].sort().map((key) => JSON.parse(key) as [string, string]);
      await this.dataSource.query(
        `INSERT INTO preview_conversations (tenant_id, conversation_id)
         SELECT * FROM unnest($1::text[], $2::text[])
         ON CONFLICT (tenant_id, conversation_id) DO UPDATE SET marked_at = now()`,
        [pairs.map(([tenantId]) => tenantId), pairs.map(([, conversationId]) => conversationId)],
      );
    }
    const asked = [...new Set(keys)].map((key) => JSON.parse(key) as [string, string]);
    if (asked.length === 0) return new Set();
    const rows: { tenant_id: string; conversation_id: string }[] = await this.dataSource.query(
      `SELECT tenant_id, conversation_id FROM preview_conversations
       WHERE (tenant_id, conversation_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      [asked.map(([tenantId]) => tenantId), asked.map(([, conversationId]) => conversationId)],
    );
    return new Set(rows.map((row) => conversationKey(row.tenant_id, row.conversation_id)));
  }

  /** Forgets preview marks older than `hours`, in short chunks. */
  async forgetPreviewConversationsOlderThan(hours: number): Promise<number> {
    return deleteInChunks(
      this.dataSource,
      'preview_conversations',
      `marked_at < now() - make_interval(hours => $1)`,
      hours,
    );
  }

  /** Forgets counted record ids older than `hours` in short chunks (a record is redelivered within minutes, not days). */
  async forgetCountedRecordsOlderThan(hours: number): Promise<number> {
    return deleteInChunks(this.dataSource, 'counted_records', `counted_at < now() - make_interval(hours => $1)`, hours);
  }
}

/** A conversation of a tenant, as one string (conversation ids are the platforms' own, unique per tenant). */
export function conversationKey(tenantId: string, conversationId: string): string {
  return JSON.stringify([tenantId, conversationId]);
}

type WindowKey = readonly [string, string, string, string, number, string];

function keyOf(increment: WindowIncrement): WindowKey {
  return [
    increment.tenantId,
    increment.kind,
    increment.granularity,
    increment.name,
    increment.windowStart.getTime(),
    increment.workflowId,
  ];
}

function compareKeys(a: WindowKey, b: WindowKey): number {
  for (let i = 0; i < a.length; i += 1) {
    if (a[i]! < b[i]!) return -1;
    if (a[i]! > b[i]!) return 1;
  }
  return 0;
}
