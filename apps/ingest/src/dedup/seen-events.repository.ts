import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface EventOccurrence {
  tenantId: string;
  source: string;
  eventId: string;
  partition: number;
  offset: string;
}

interface FirstSeenRow {
  tenant_id: string;
  source: string;
  event_id: string;
  kafka_partition: number;
  kafka_offset: string;
}

/**
 * Remembers where each event id was first seen. An occurrence is the first one when the stored
 * position is its own: so a batch that is replayed after a crash (same positions) passes again,
 * while a re-sent event (a later position) is recognised as a duplicate.
 */
@Injectable()
export class SeenEventsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async firstOccurrences(occurrences: readonly EventOccurrence[]): Promise<boolean[]> {
    if (occurrences.length === 0) return [];
    const columns = [
      occurrences.map((o) => o.tenantId),
      occurrences.map((o) => o.source),
      occurrences.map((o) => o.eventId),
      occurrences.map((o) => o.partition),
      occurrences.map((o) => o.offset),
    ];
    const incoming = `SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::bigint[])
                      AS i(tenant_id, source, event_id, kafka_partition, kafka_offset)`;
    const firstSeen: FirstSeenRow[] = await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO seen_events (tenant_id, source, event_id, kafka_partition, kafka_offset)
         ${incoming} ON CONFLICT DO NOTHING`,
        columns,
      );
      return manager.query(
        `SELECT s.tenant_id, s.source, s.event_id, s.kafka_partition, s.kafka_offset::text AS kafka_offset
         FROM seen_events s JOIN (${incoming}) i USING (tenant_id, source, event_id)`,
        columns,
      );
    });
    const key = (tenantId: string, source: string, eventId: string) => JSON.stringify([tenantId, source, eventId]);
    const positions = new Map(
      firstSeen.map((row) => [
        key(row.tenant_id, row.source, row.event_id),
        `${row.kafka_partition}:${row.kafka_offset}`,
      ]),
    );
    return occurrences.map((o) => positions.get(key(o.tenantId, o.source, o.eventId)) === `${o.partition}:${o.offset}`);
  }

  async forgetOlderThan(hours: number): Promise<number> {
    const result: [unknown[], number] = await this.dataSource.query(
      `DELETE FROM seen_events WHERE seen_at < now() - make_interval(hours => $1)`,
      [hours],
    );
    return result[1];
  }
}
