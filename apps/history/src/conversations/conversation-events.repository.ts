import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { And, DataSource, In, LessThan, MoreThanOrEqual, type FindOperator } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { deleteInChunks } from '@app/database';
import type { ConversationEvent } from '@app/contracts';
import { ConversationEventEntity } from './conversation-event.entity';

export interface Period {
  since?: Date;
  until: Date;
}

/** 14 parameters a row; PostgreSQL takes at most 65,535 in one statement. */
const STORE_ROWS_PER_STATEMENT = 2_000;

@Injectable()
export class ConversationEventsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Stores a batch of events in order, in one transaction. Idempotent: a redelivered event (same
   * tenant, source and id) keeps its first row.
   */
  async storeAll(events: readonly ConversationEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.dataSource.transaction(async (manager) => {
      for (let start = 0; start < events.length; start += STORE_ROWS_PER_STATEMENT) {
        await manager
          .createQueryBuilder()
          .insert()
          .into(ConversationEventEntity)
          .values(
            events
              .slice(start, start + STORE_ROWS_PER_STATEMENT)
              .map(rowOf) as QueryDeepPartialEntity<ConversationEventEntity>[],
          )
          .orIgnore()
          .execute();
      }
    });
  }

  /**
   * The ids of the tenant's `limit` conversations with events in the period, most recently active
   * first. A preview conversation (an author trying workflows, not traffic) is left out, even when
   * its marked event is outside the period: once marked, a conversation stays a preview one.
   */
  async recentConversations(tenantId: string, period: Period, limit: number): Promise<string[]> {
    const rows: { conversation_id: string }[] = await this.dataSource.query(
      `SELECT conversation_id FROM conversation_events
       WHERE tenant_id = $1 AND ($2::timestamptz IS NULL OR event_time >= $2) AND event_time < $3
         AND conversation_id NOT IN (SELECT conversation_id FROM conversation_events WHERE tenant_id = $1 AND preview)
       GROUP BY conversation_id
       ORDER BY max(event_time) DESC, conversation_id
       LIMIT $4`,
      [tenantId, period.since ?? null, period.until, limit],
    );
    return rows.map((row) => row.conversation_id);
  }

  /** The events of these conversations in the period, each conversation's in arrival order. */
  async eventsOf(
    tenantId: string,
    conversationIds: string[],
    period: Period,
  ): Promise<Map<string, ConversationEvent[]>> {
    const eventTime: FindOperator<Date> = period.since
      ? And(MoreThanOrEqual(period.since), LessThan(period.until))
      : LessThan(period.until);
    const rows = await this.dataSource.getRepository(ConversationEventEntity).find({
      where: { tenantId, conversationId: In(conversationIds), eventTime },
      order: { position: 'ASC' },
    });
    const byConversation = new Map<string, ConversationEvent[]>(conversationIds.map((id) => [id, []]));
    for (const row of rows) byConversation.get(row.conversationId)!.push(eventOf(row));
    return byConversation;
  }

  /** Deletes events older than `days` in short chunks; returns how many. */
  async forgetOlderThan(days: number): Promise<number> {
    return deleteInChunks(
      this.dataSource,
      'conversation_events',
      `event_time < now() - make_interval(days => $1)`,
      days,
    );
  }
}

function rowOf(event: ConversationEvent): Omit<ConversationEventEntity, 'position'> {
  const common = {
    tenantId: event.tenantid,
    source: event.source,
    eventId: event.id,
    conversationId: event.subject,
    type: event.type,
    eventTime: new Date(event.time),
    contactId: event.data.contact?.id ?? null,
    messageId: null,
    role: null,
    text: null,
    ai: null,
    memory: null,
    preview: 'preview' in event.data && event.data.preview === true,
  };
  switch (event.type) {
    case 'conversation.message.created':
      return {
        ...common,
        messageId: event.data.messageId,
        role: event.data.role,
        text: event.data.text,
        ai: event.data.ai ?? null,
        memory: event.data.memory ?? null,
      };
    case 'contact.memory.updated':
      return { ...common, memory: event.data.attributes };
    case 'conversation.ended':
    case 'contact.memory.cleared':
      return common;
  }
}

/** The stored row as the event the engine replays (what history does not keep, such as contact names, left out). */
function eventOf(row: ConversationEventEntity): ConversationEvent {
  const envelope = {
    specversion: '1.0' as const,
    id: row.eventId,
    source: row.source,
    time: row.eventTime.toISOString(),
    subject: row.conversationId,
    tenantid: row.tenantId,
  };
  const contact = row.contactId !== null ? { contact: { id: row.contactId } } : {};
  switch (row.type) {
    case 'conversation.message.created':
      return {
        ...envelope,
        type: row.type,
        data: {
          messageId: row.messageId!,
          role: row.role!,
          text: row.text!,
          ...contact,
          ...(row.ai !== null ? { ai: row.ai } : {}),
          ...(row.memory !== null ? { memory: row.memory } : {}),
        },
      };
    case 'contact.memory.updated':
      return { ...envelope, type: row.type, data: { contact: { id: row.contactId! }, attributes: row.memory ?? {} } };
    case 'contact.memory.cleared':
      return { ...envelope, type: row.type, data: { contact: { id: row.contactId! } } };
    case 'conversation.ended':
      return { ...envelope, type: row.type, data: { ...contact } };
  }
}
