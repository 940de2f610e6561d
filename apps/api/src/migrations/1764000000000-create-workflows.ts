import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateWorkflows1764000000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE workflows (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        name text NOT NULL,
        version integer NOT NULL,
        status text NOT NULL CHECK (status IN ('enabled', 'disabled')),
        trigger jsonb NOT NULL,
        action jsonb NOT NULL,
        signing_secret text NOT NULL,
        deleted_at timestamptz,
        published_version integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX workflows_tenant_created ON workflows (tenant_id, created_at)`);
    await queryRunner.query(`CREATE INDEX workflows_unpublished ON workflows (id) WHERE published_version < version`);
    await queryRunner.query(`
      CREATE TABLE workflow_versions (
        workflow_id uuid NOT NULL REFERENCES workflows (id),
        version integer NOT NULL,
        definition jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (workflow_id, version)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE workflow_versions`);
    await queryRunner.query(`DROP TABLE workflows`);
  }
}
