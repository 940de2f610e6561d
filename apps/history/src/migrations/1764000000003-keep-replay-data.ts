import type { MigrationInterface, QueryRunner } from 'typeorm';

/** What replaying an execution needs: its trigger, the series numbers and the earlier series' attempts. */
export class KeepReplayData1764000000003 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE executions
        ADD COLUMN trigger jsonb,
        ADD COLUMN replay integer NOT NULL DEFAULT 0,
        ADD COLUMN replays_requested integer NOT NULL DEFAULT 0,
        ADD COLUMN previous_attempts jsonb NOT NULL DEFAULT '[]'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE executions
        DROP COLUMN trigger, DROP COLUMN replay, DROP COLUMN replays_requested, DROP COLUMN previous_attempts`);
  }
}
