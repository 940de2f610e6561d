import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ConversationEventType, MessageCreatedEvent } from '@app/contracts';

/**
 * One event of a stored conversation, for backtests. A message keeps its id, role, text, AI
 * annotations and memory snapshot; a memory update keeps its attributes in `memory`; of the
 * contact only the id is kept. `preview` marks an event of a preview conversation (an author
 * trying workflows), which backtests leave out.
 */
@Entity({ name: 'conversation_events' })
export class ConversationEventEntity {
  @PrimaryColumn('text', { name: 'tenant_id' })
  tenantId!: string;

  @PrimaryColumn('text')
  source!: string;

  @PrimaryColumn('text', { name: 'event_id' })
  eventId!: string;

  @Column({ type: 'bigint', insert: false, update: false })
  position!: string;

  @Column('text', { name: 'conversation_id' })
  conversationId!: string;

  @Column('text')
  type!: ConversationEventType;

  @Column('timestamptz', { name: 'event_time' })
  eventTime!: Date;

  @Column('text', { name: 'message_id', nullable: true })
  messageId!: string | null;

  @Column('text', { nullable: true })
  role!: MessageCreatedEvent['data']['role'] | null;

  @Column('text', { nullable: true })
  text!: string | null;

  @Column('jsonb', { nullable: true })
  ai!: MessageCreatedEvent['data']['ai'] | null;

  @Column('text', { name: 'contact_id', nullable: true })
  contactId!: string | null;

  @Column('jsonb', { nullable: true })
  memory!: Record<string, unknown> | null;

  @Column('boolean', { default: false })
  preview!: boolean;
}
