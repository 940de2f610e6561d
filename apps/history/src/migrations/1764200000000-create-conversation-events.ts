import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateConversationEvents1764200000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    // The key is ingest's de-duplication key: a redelivered event finds its row and adds none.
    // `position` keeps arrival order, the order trigger-matcher saw the events in.
    await queryRunner.query(`
      CREATE TABLE conversation_events (
        tenant_id text NOT NULL,
        source text NOT NULL,
        event_id text NOT NULL,
        position bigint GENERATED ALWAYS AS IDENTITY,
        conversation_id text NOT NULL,
        type text NOT NULL,
        event_time timestamptz NOT NULL,
        message_id text,
        role text,
        text text,
        ai jsonb,
        contact_id text,
        memory jsonb,
        stored_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, source, event_id)
      )`);
    await queryRunner.query(
      `CREATE INDEX conversation_events_by_conversation ON conversation_events (tenant_id, conversation_id, position)`,
    );
    await queryRunner.query(
      `CREATE INDEX conversation_events_by_time ON conversation_events (tenant_id, event_time DESC)`,
    );
    await queryRunner.query(`CREATE INDEX conversation_events_retention ON conversation_events (event_time)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE conversation_events`);
  }
}
