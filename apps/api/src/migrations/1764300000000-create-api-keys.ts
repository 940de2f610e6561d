import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateApiKeys1764300000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE api_keys (
        id text PRIMARY KEY,
        tenant_id text NOT NULL,
        key_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        version integer NOT NULL,
        published_version integer NOT NULL DEFAULT 0
      )`);
    await queryRunner.query(`CREATE INDEX api_keys_tenant ON api_keys (tenant_id, created_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE api_keys`);
  }
}
