import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the execution log is filtered and summarised by: the contact, the failure cause (derived
 * from the last attempt when the result is stored), and an index per filter, each ending in the
 * log's order (newest first) so that a page is an index range scan.
 */
export class IndexExecutionLog1764300000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE executions ADD COLUMN contact_id text, ADD COLUMN cause text`);
    await queryRunner.query(`
      UPDATE executions SET cause = CASE
        WHEN status <> 'failed' THEN NULL
        WHEN jsonb_array_length(attempts) = 0 THEN 'not_attempted'
        WHEN attempts -> -1 ? 'statusCode' THEN 'http_' || (attempts -> -1 ->> 'statusCode')
        WHEN attempts -> -1 ->> 'error' ILIKE '%timed out%' THEN 'timeout'
        ELSE 'connection' END`);
    await queryRunner.query(
      `CREATE INDEX executions_by_tenant ON executions (tenant_id, started_at DESC, execution_id)`,
    );
    await queryRunner.query(
      `CREATE INDEX executions_by_conversation ON executions (tenant_id, conversation_id, started_at DESC, execution_id)`,
    );
    await queryRunner.query(
      `CREATE INDEX executions_by_contact ON executions (tenant_id, contact_id, started_at DESC, execution_id)
       WHERE contact_id IS NOT NULL`,
    );
    await queryRunner.query(`CREATE INDEX executions_retention ON executions (started_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX executions_retention`);
    await queryRunner.query(`DROP INDEX executions_by_contact`);
    await queryRunner.query(`DROP INDEX executions_by_conversation`);
    await queryRunner.query(`DROP INDEX executions_by_tenant`);
    await queryRunner.query(`ALTER TABLE executions DROP COLUMN contact_id, DROP COLUMN cause`);
  }
}
