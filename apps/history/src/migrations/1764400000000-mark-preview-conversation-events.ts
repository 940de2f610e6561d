import type { MigrationInterface, QueryRunner } from 'typeorm';

export class MarkPreviewConversationEvents1764400000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    // Backtests leave out a conversation once any of its events was a preview one (an author
    // trying workflows): the partial index finds those few conversations without a scan.
    await queryRunner.query(`ALTER TABLE conversation_events ADD COLUMN preview boolean NOT NULL DEFAULT false`);
    await queryRunner.query(
      `CREATE INDEX conversation_events_previews ON conversation_events (tenant_id, conversation_id) WHERE preview`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE conversation_events DROP COLUMN preview`);
  }
}
