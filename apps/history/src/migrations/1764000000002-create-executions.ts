import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateExecutions1764000000002 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE executions (
        execution_id text PRIMARY KEY,
        trigger_id text NOT NULL,
        tenant_id text NOT NULL,
        workflow_id uuid NOT NULL,
        workflow_version integer NOT NULL,
        conversation_id text NOT NULL,
        action_type text NOT NULL,
        status text NOT NULL,
        reason text,
        attempts jsonb NOT NULL,
        attempt_count integer NOT NULL,
        latency_ms double precision NOT NULL,
        event_time timestamptz NOT NULL,
        started_at timestamptz NOT NULL,
        finished_at timestamptz NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX executions_by_workflow ON executions (tenant_id, workflow_id, started_at DESC, execution_id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE executions`);
  }
}
