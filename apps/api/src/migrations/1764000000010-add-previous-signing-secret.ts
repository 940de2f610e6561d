import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Secret rotation: the previous secret keeps signing (beside the new one) until it expires. */
export class AddPreviousSigningSecret1764000000010 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE workflows ADD COLUMN previous_signing_secret text`);
    await queryRunner.query(`ALTER TABLE workflows ADD COLUMN previous_signing_secret_expires_at timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE workflows DROP COLUMN previous_signing_secret_expires_at`);
    await queryRunner.query(`ALTER TABLE workflows DROP COLUMN previous_signing_secret`);
  }
}
