import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateMinuteCounts1764000000003 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE minute_counts (
        tenant_id text NOT NULL,
        series text NOT NULL,
        name text NOT NULL,
        window_start timestamptz NOT NULL,
        count bigint NOT NULL,
        PRIMARY KEY (tenant_id, series, name, window_start)
      )`);
    await queryRunner.query(`
      CREATE TABLE counted_records (
        record_id text PRIMARY KEY,
        counted_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE counted_records`);
    await queryRunner.query(`DROP TABLE minute_counts`);
  }
}
