import { Inject, Injectable } from '@nestjs/common';
import {
  Topics,
  type ContactAttributeRecord,
  type ContactClearedRecord,
  type ContactMemoryRecord,
} from '@app/contracts';
import { isForgottenBy, isNewerAttribute, type ContactAttribute } from '@app/domain';
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

/** Header of a tombstone a clear wrote: the clear's time. */
export const CLEARED_AT_HEADER = 'memory-cleared-at';

/** Whether the key's current record is an attribute the clear at `clearedAt` leaves (learnt since). */
function survivesClear(current: ContactMemoryRecord, clearedAt: string): boolean {
  return 'at' in current && !isForgottenBy(current.at, clearedAt);
}

/**
 * A clear's tombstone read from the topic deletes only an attribute older than the clear: one the
 * key was given since (this instance's own newer write, set directly, or another's) stays.
 */
export function isStaleMemoryRecord(current: ContactMemoryRecord, headers: Readonly<Record<string, string>>): boolean {
  const clearedAt = headers[CLEARED_AT_HEADER];
  return clearedAt !== undefined && survivesClear(current, clearedAt);
}

/**
 * How long an attribute older than its contact's clear may sit in the topic before any instance
 * tombstones it: the clear's own tombstones normally arrive well within it.
 */
const LEFTOVER_GRACE_MS = 5_000;
/** How long before a leftover's tombstone is written again when it has not been read back (an aborted batch). */
const LEFTOVER_RETRY_MS = 30_000;

/** An attribute older than its contact's clear that the topic still holds, waiting for its tombstone. */
interface Leftover {
  key: string;
  clearedAt: string;
  since: number;
  requestedAt?: number;
}

/**
 * The contact-memory topic grouped by contact, kept up to date from the view's changes (records
 * read from the topic and this instance's committed writes alike). An attribute older than the
 * contact's latest clear is never answered; the topic may still hold one (written by another
 * instance before it knew of the clear, or from a late event), and it is tombstoned as a leftover.
 */
export class ContactMemoryIndex {
  private readonly byContact = new Map<string, Map<string, ContactAttribute>>();
  private readonly clears = new Map<string, string>();
  private readonly leftovers = new Map<string, Leftover>();

  /** The attributes known of the contact, without those its latest clear forgot. */
  attributesOf(tenantId: string, contactId: string): ReadonlyMap<string, ContactAttribute> {
    const contact = contactKey(tenantId, contactId);
    const attributes = this.byContact.get(contact) ?? new Map<string, ContactAttribute>();
    const clearedAt = this.clears.get(contact);
    if (clearedAt === undefined) return attributes;
    return new Map([...attributes].filter(([, { at }]) => !isForgottenBy(at, clearedAt)));
  }

  /** Every attribute the topic holds for the contact, forgotten ones too. */
  heldAttributesOf(tenantId: string, contactId: string): ReadonlyMap<string, ContactAttribute> {
    return this.byContact.get(contactKey(tenantId, contactId)) ?? new Map();
  }

  /** Event time of the contact's latest clear. */
  clearedAtOf(tenantId: string, contactId: string): string | undefined {
    return this.clears.get(contactKey(tenantId, contactId));
  }

  /** The leftovers to tombstone now (stale for a while, not asked for lately), marked as asked for. */
  takeLeftovers(now: number): { key: string; clearedAt: string }[] {
    const due: { key: string; clearedAt: string }[] = [];
    for (const leftover of this.leftovers.values()) {
      if (now - leftover.since < LEFTOVER_GRACE_MS) continue;
      if (leftover.requestedAt !== undefined && now - leftover.requestedAt < LEFTOVER_RETRY_MS) continue;
      leftover.requestedAt = now;
      due.push({ key: leftover.key, clearedAt: leftover.clearedAt });
    }
    return due;
  }

  onChange(key: string, record: ContactMemoryRecord | null): void {
    const [tenantId, contactId, attribute, ...rest] = key.split('/').map(decodeURIComponent);
    if (tenantId === undefined || contactId === undefined || rest.length > 0) return;
    const contact = contactKey(tenantId, contactId);
    if (attribute === undefined) {
      if (record && 'clearedAt' in record) {
        this.clears.set(contact, record.clearedAt);
        for (const [name, { at }] of this.byContact.get(contact) ?? []) {
          if (isForgottenBy(at, record.clearedAt))
            this.noteLeftover(contactAttributeKey(tenantId, contactId, name), record.clearedAt);
        }
      } else this.clears.delete(contact);
      return;
    }
    const attributes = this.byContact.get(contact) ?? new Map<string, ContactAttribute>();
    if (record && 'at' in record) attributes.set(attribute, { value: record.value, at: record.at });
    else attributes.delete(attribute);
    if (attributes.size > 0) this.byContact.set(contact, attributes);
    else this.byContact.delete(contact);
    const clearedAt = this.clears.get(contact);
    if (record && 'at' in record && isForgottenBy(record.at, clearedAt)) this.noteLeftover(key, clearedAt!);
    else this.leftovers.delete(key);
  }

  private noteLeftover(key: string, clearedAt: string): void {
    const known = this.leftovers.get(key);
    if (known) known.clearedAt = clearedAt;
    else this.leftovers.set(key, { key, clearedAt, since: Date.now() });
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
  /** Attribute key → the time of the clear that deletes it (published before any value the batch sets again). */
  private readonly tombstones = new Map<string, string>();
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
    // The batch's own clear of the contact is never older than the index's.
    const clearedAt = this.clearedAtOf(tenantId, contactId);
    const attributes = new Map(
      [...this.index.heldAttributesOf(tenantId, contactId)].filter(([, { at }]) => !isForgottenBy(at, clearedAt)),
    );
    const prefix = `${contactKey(tenantId, contactId)}/`;
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
    if (isForgottenBy(at, this.clearedAtOf(tenantId, contactId))) return;
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
   * Stages forgetting what was learnt of the contact from events older than `at`: a tombstone for
   * each such attribute the topic holds (compaction then removes them from Kafka), and the clear
   * itself, so that an attribute learnt from an older event is ignored wherever and whenever it
   * arrives. What newer events taught stays.
   */
  clear(tenantId: string, contactId: string, at: string): void {
    for (const [name, attribute] of this.index.heldAttributesOf(tenantId, contactId)) {
      if (isForgottenBy(attribute.at, at)) this.tombstones.set(contactAttributeKey(tenantId, contactId, name), at);
    }
    const prefix = `${contactKey(tenantId, contactId)}/`;
    for (const [key, record] of this.staged) {
      if (key.startsWith(prefix) && isForgottenBy(record.at, at)) {
        this.staged.delete(key);
        if (!this.tombstones.has(key)) this.tombstones.set(key, at);
      }
    }
    const latest = this.clearedAtOf(tenantId, contactId);
    const clearedAt = latest !== undefined && isForgottenBy(at, latest) ? latest : at;
    this.clears.set(contactKey(tenantId, contactId), { tenantId, contactId, clearedAt });
  }

  /**
   * Tombstones first (a value the batch set after a clear lands after the clear's tombstone of its
   * key), with the leftovers of earlier clears the index found, then values, then clears.
   */
  records(): OutboundRecord[] {
    const topic = Topics.contactMemory.name;
    const tombstone = (key: string, clearedAt: string) => ({
      topic,
      key,
      value: null,
      headers: { [CLEARED_AT_HEADER]: clearedAt },
    });
    const leftovers = this.index
      .takeLeftovers(Date.now())
      .filter(({ key }) => !this.tombstones.has(key) && !this.staged.has(key));
    return [
      ...[...this.tombstones].map(([key, clearedAt]) => tombstone(key, clearedAt)),
      ...leftovers.map(({ key, clearedAt }) => tombstone(key, clearedAt)),
      ...[...this.staged].map(([key, record]) => jsonRecord(topic, key, record)),
      ...[...this.clears].map(([key, record]) => jsonRecord(topic, key, record)),
    ];
  }

  /**
   * Committed changes enter the view at once, deletions included (unless the key got a value at or
   * after the clear meanwhile). A record of a deleted key written before its tombstone and not read
   * yet comes back into the view until the tombstone follows it (same key, same partition), but it
   * is older than the clear, so the index never answers it.
   */
  commit(): void {
    for (const [key, clearedAt] of this.tombstones) {
      const current = this.view.get(key);
      if (current === undefined || !survivesClear(current, clearedAt)) this.view.delete(key);
    }
    for (const [key, record] of this.staged) this.view.set(key, record);
    for (const [key, record] of this.clears) this.view.set(key, record);
  }
}
