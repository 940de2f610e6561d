import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddFiringPolicy1764000000004 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE workflows ADD COLUMN firing jsonb NOT NULL DEFAULT '{"mode": "once_per_conversation"}'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE workflows DROP COLUMN firing`);
  }
}
