import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Counts per tumbling window of each granularity (minute, hour, day), maintained together in the
 * transaction that counts a record, so that a month is read from 30 day rows instead of 43,200
 * minute rows (docs/benchmarks.md, analyst query latency). `workflow_id` ('' when none) is the
 * breakdown dimension. The minute counts kept so far become the minute rows, rolled up.
 */
export class CreateWindowCounts1764300000001 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE window_counts (
        tenant_id text NOT NULL,
        kind text NOT NULL,
        granularity text NOT NULL,
        name text NOT NULL,
        window_start timestamptz NOT NULL,
        workflow_id text NOT NULL,
        count bigint NOT NULL,
        PRIMARY KEY (tenant_id, kind, granularity, name, window_start, workflow_id)
      )`);
    // Top-N and breakdowns read every name of a period: by time first.
    await queryRunner.query(
      `CREATE INDEX window_counts_by_time ON window_counts (tenant_id, kind, granularity, window_start)`,
    );
    for (const [granularity, unit] of [
      ['minute', 'minute'],
      ['hour', 'hour'],
      ['day', 'day'],
    ]) {
      await queryRunner.query(
        `INSERT INTO window_counts (tenant_id, kind, granularity, name, window_start, workflow_id, count)
         SELECT tenant_id, series, $1::text, name, date_trunc($2::text, window_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
           CASE WHEN series = 'workflow_execution' THEN split_part(name, ':', 1) ELSE '' END, sum(count)
         FROM minute_counts GROUP BY 1, 2, 3, 4, 5, 6`,
        [granularity, unit],
      );
    }
    await queryRunner.query(`DROP TABLE minute_counts`);
    await queryRunner.query(`CREATE INDEX counted_records_by_age ON counted_records (counted_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX counted_records_by_age`);
    await queryRunner.query(`
      CREATE TABLE minute_counts (
        tenant_id text NOT NULL,
        series text NOT NULL,
        name text NOT NULL,
        window_start timestamptz NOT NULL,
        count bigint NOT NULL,
        PRIMARY KEY (tenant_id, series, name, window_start)
      )`);
    await queryRunner.query(
      `INSERT INTO minute_counts SELECT tenant_id, kind, name, window_start, sum(count)
       FROM window_counts WHERE granularity = 'minute' GROUP BY 1, 2, 3, 4`,
    );
    await queryRunner.query(`DROP TABLE window_counts`);
  }
}
