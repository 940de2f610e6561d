import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateSeenEvents1764000000001 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE seen_events (
        tenant_id text NOT NULL,
        source text NOT NULL,
        event_id text NOT NULL,
        kafka_partition integer NOT NULL,
        kafka_offset bigint NOT NULL,
        seen_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, source, event_id)
      )`);
    await queryRunner.query(`CREATE INDEX seen_events_seen_at ON seen_events (seen_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE seen_events`);
  }
}
