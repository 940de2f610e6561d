import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateWorkflowTests1764000000005 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE workflow_tests (
        workflow_id uuid PRIMARY KEY REFERENCES workflows (id),
        cases jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE workflow_tests`);
  }
}
