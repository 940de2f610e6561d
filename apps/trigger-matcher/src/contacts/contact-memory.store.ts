import { Inject, Injectable } from '@nestjs/common';
import {
  Topics,
  type ContactAttributeRecord,
  type ContactClearedRecord,
  type ContactMemoryRecord,
} from '@app/contracts';
import { isNewerAttribute, type ContactAttribute } from '@app/domain';
import { jsonRecord, type CompactedTopicView, type ConsumedBatch, type OutboundRecord } from '@app/kafka';

export const CONTACT_MEMORY = Symbol('CONTACT_MEMORY');

/** `<tenant>/<contact>/<attribute>`, each part URI-encoded so that a "/" inside one cannot collide. */
export function contactAttributeKey(tenantId: string, contactId: string, attribute: string): string {
  return [tenantId, contactId, attribute].map(encodeURIComponent).join('/');
}

/** `<tenant>/<contact>`: the key of the contact's clear, and the prefix of its attributes' keys. */
export function contactKey(tenantId: string, contactId: string): string {
  return [tenantId, contactId].map(encodeURIComponent).join('/');
}

/** Whether an attribute learnt at `at` was forgotten by a clear at `clearedAt`. */
function isCleared(at: string, clearedAt: string | undefined): boolean {
  return clearedAt !== undefined && Date.parse(at) < Date.parse(clearedAt);
}

/**
 * The contact-memory topic grouped by contact, kept up to date from the view's changes (records
 * read from the topic and this instance's committed writes alike). Attributes older than the
 * contact's clear are held (their tombstones may still be on their way) but never answered.
 */
export class ContactMemoryIndex {
  private readonly byContact = new Map<string, Map<string, ContactAttribute>>();
  private readonly clears = new Map<string, string>();

  /** The attributes known of the contact, without those its latest clear forgot. */
  attributesOf(tenantId: string, contactId: string): ReadonlyMap<string, ContactAttribute> {
    const contact = contactKey(tenantId, contactId);
    const attributes = this.byContact.get(contact) ?? new Map<string, ContactAttribute>();
    const clearedAt = this.clears.get(contact);
    if (clearedAt === undefined) return attributes;
    return new Map([...attributes].filter(([, { at }]) => !isCleared(at, clearedAt)));
  }

  /** Every attribute the topic holds for the contact, forgotten ones too: what a clear tombstones. */
  attributeNamesOf(tenantId: string, contactId: string): string[] {
    return [...(this.byContact.get(contactKey(tenantId, contactId))?.keys() ?? [])];
  }

  /** Event time of the contact's latest clear. */
  clearedAtOf(tenantId: string, contactId: string): string | undefined {
    return this.clears.get(contactKey(tenantId, contactId));
  }

  onChange(key: string, record: ContactMemoryRecord | null): void {
    const [tenantId, contactId, attribute, ...rest] = key.split('/').map(decodeURIComponent);
    if (tenantId === undefined || contactId === undefined || rest.length > 0) return;
    const contact = contactKey(tenantId, contactId);
    if (attribute === undefined) {
      if (record && 'clearedAt' in record) this.clears.set(contact, record.clearedAt);
      else this.clears.delete(contact);
      return;
    }
    const attributes = this.byContact.get(contact) ?? new Map<string, ContactAttribute>();
    if (record && 'at' in record) attributes.set(attribute, { value: record.value, at: record.at });
    else attributes.delete(attribute);
    if (attributes.size > 0) this.byContact.set(contact, attributes);
    else this.byContact.delete(contact);
  }
}

/**
 * Contact memory shared by a contact's conversations, durable in the compacted
 * `trigger-matcher.contact-memory` topic that every instance reads whole. A batch stages the
 * attributes its events taught and the clears they asked for; they are published in the batch's
 * transaction and enter the view once it committed. Conversations of one contact may be on other
 * partitions, owned by other instances: what they teach arrives here through the topic, within the
 * view's lag.
 */
@Injectable()
export class ContactMemoryStore {
  constructor(
    @Inject(CONTACT_MEMORY) private readonly view: CompactedTopicView<ContactMemoryRecord>,
    private readonly index: ContactMemoryIndex,
  ) {}

  session(batch: ConsumedBatch): ContactMemorySession {
    const session = new ContactMemorySession(this.view, this.index);
    batch.afterCommit(() => session.commit());
    return session;
  }
}

export class ContactMemorySession {
  /** Attribute keys the batch's clears delete (published before any value the batch sets again). */
  private readonly tombstones = new Set<string>();
  /** Attribute key → the value the batch sets. */
  private readonly staged = new Map<string, ContactAttributeRecord>();
  /** Contact key → the batch's latest clear of the contact. */
  private readonly clears = new Map<string, ContactClearedRecord>();

  constructor(
    private readonly view: CompactedTopicView<ContactMemoryRecord>,
    private readonly index: ContactMemoryIndex,
  ) {}

  /** The contact's attributes, with what this batch taught and cleared so far. */
  attributesOf(tenantId: string, contactId: string): Map<string, ContactAttribute> {
    const clearedAt = this.clearedAtOf(tenantId, contactId);
    const attributes = new Map(
      [...this.index.attributesOf(tenantId, contactId)].filter(([, { at }]) => !isCleared(at, clearedAt)),
    );
    const prefix = `${contactKey(tenantId, contactId)}/`;
    for (const key of this.tombstones) {
      if (key.startsWith(prefix)) attributes.delete(decodeURIComponent(key.slice(prefix.length)));
    }
    for (const [key, record] of this.staged) {
      if (key.startsWith(prefix)) attributes.set(record.attribute, { value: record.value, at: record.at });
    }
    return attributes;
  }

  /** Event time of the contact's latest clear, this batch's included. */
  clearedAtOf(tenantId: string, contactId: string): string | undefined {
    return this.clears.get(contactKey(tenantId, contactId))?.clearedAt ?? this.index.clearedAtOf(tenantId, contactId);
  }

  /**
   * Stages attribute changes (null clears one) learnt from an event at `at`; older than what is
   * known, or than the contact's latest clear, they lose.
   */
  stage(tenantId: string, contactId: string, changes: Record<string, unknown>, at: string): void {
    if (isCleared(at, this.clearedAtOf(tenantId, contactId))) return;
    const known = this.attributesOf(tenantId, contactId);
    for (const [attribute, value] of Object.entries(changes)) {
      const current = known.get(attribute);
      if (current && !isNewerAttribute(current, { value, at })) continue;
      this.staged.set(contactAttributeKey(tenantId, contactId, attribute), {
        tenantId,
        contactId,
        attribute,
        value,
        at,
      });
    }
  }

  /**
   * Stages forgetting everything known of the contact, by an event at `at`: a tombstone for each
   * attribute the topic holds (compaction then removes them from Kafka), and the clear itself, so
   * that an attribute learnt from an older event, wherever and whenever it arrives, is ignored.
   */
  clear(tenantId: string, contactId: string, at: string): void {
    const names = new Set(this.index.attributeNamesOf(tenantId, contactId));
    const prefix = `${contactKey(tenantId, contactId)}/`;
    for (const [key, record] of this.staged) {
      if (!key.startsWith(prefix)) continue;
      names.add(record.attribute);
      this.staged.delete(key);
    }
    for (const name of names) this.tombstones.add(contactAttributeKey(tenantId, contactId, name));
    const latest = this.clearedAtOf(tenantId, contactId);
    const clearedAt = latest !== undefined && isCleared(at, latest) ? latest : at;
    this.clears.set(contactKey(tenantId, contactId), { tenantId, contactId, clearedAt });
  }

  /** Tombstones first: a value the batch set after a clear lands after the clear's tombstone of its key. */
  records(): OutboundRecord[] {
    const topic = Topics.contactMemory.name;
    return [
      ...[...this.tombstones].map((key) => ({ topic, key, value: null })),
      ...[...this.staged].map(([key, record]) => jsonRecord(topic, key, record)),
      ...[...this.clears].map(([key, record]) => jsonRecord(topic, key, record)),
    ];
  }

  /**
   * Committed changes enter the view at once, deletions included. A record of a deleted key written
   * before its tombstone and not read yet comes back into the view until the tombstone follows it
   * (same key, same partition), but it is older than the clear, so the index never answers it.
   */
  commit(): void {
    for (const key of this.tombstones) this.view.delete(key);
    for (const [key, record] of this.staged) this.view.set(key, record);
    for (const [key, record] of this.clears) this.view.set(key, record);
  }
}
