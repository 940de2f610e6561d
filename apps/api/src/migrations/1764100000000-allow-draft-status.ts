import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Workflows may be drafts: they run only on preview conversations. */
export class AllowDraftStatus1764100000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE workflows DROP CONSTRAINT workflows_status_check`);
    await queryRunner.query(
      `ALTER TABLE workflows ADD CONSTRAINT workflows_status_check CHECK (status IN ('enabled', 'draft', 'disabled'))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`UPDATE workflows SET status = 'disabled' WHERE status = 'draft'`);
    await queryRunner.query(`ALTER TABLE workflows DROP CONSTRAINT workflows_status_check`);
    await queryRunner.query(
      `ALTER TABLE workflows ADD CONSTRAINT workflows_status_check CHECK (status IN ('enabled', 'disabled'))`,
    );
  }
}
