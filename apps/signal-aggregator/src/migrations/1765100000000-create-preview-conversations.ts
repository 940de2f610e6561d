import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Conversations an event marked as preview (an author trying workflows). A conversation stays a
 * preview one once any of its events says so (docs/events.md), but only that event carries the
 * flag: the detected intents of the later ones are not counted either.
 */
export class CreatePreviewConversations1765100000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE preview_conversations (
        tenant_id text NOT NULL,
        conversation_id text NOT NULL,
        marked_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, conversation_id)
      )`);
    await queryRunner.query(`CREATE INDEX preview_conversations_marked_at ON preview_conversations (marked_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE preview_conversations`);
  }
}
