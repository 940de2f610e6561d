import { Inject, Injectable } from '@nestjs/common';
import { Topics, type ContactAttributeRecord } from '@app/contracts';
import { isNewerAttribute, type ContactAttribute } from '@app/domain';
import { jsonRecord, type CompactedTopicView, type ConsumedBatch, type OutboundRecord } from '@app/kafka';

export const CONTACT_ATTRIBUTES = Symbol('CONTACT_ATTRIBUTES');

/** `<tenant>/<contact>/<attribute>`, each part URI-encoded so that a "/" inside one cannot collide. */
export function contactAttributeKey(tenantId: string, contactId: string, attribute: string): string {
  return [tenantId, contactId, attribute].map(encodeURIComponent).join('/');
}

function contactKey(tenantId: string, contactId: string): string {
  return [tenantId, contactId].map(encodeURIComponent).join('/');
}

/**
 * The contact-memory topic grouped by contact, kept up to date from the view's changes (records
 * read from the topic and this instance's committed writes alike).
 */
export class ContactMemoryIndex {
  private readonly byContact = new Map<string, Map<string, ContactAttribute>>();

  attributesOf(tenantId: string, contactId: string): ReadonlyMap<string, ContactAttribute> {
    return this.byContact.get(contactKey(tenantId, contactId)) ?? new Map();
  }

  onChange(key: string, record: ContactAttributeRecord | null): void {
    const [tenantId, contactId, attribute] = key.split('/').map(decodeURIComponent);
    if (tenantId === undefined || contactId === undefined || attribute === undefined) return;
    const contact = contactKey(tenantId, contactId);
    const attributes = this.byContact.get(contact) ?? new Map<string, ContactAttribute>();
    if (record) attributes.set(attribute, { value: record.value, at: record.at });
    else attributes.delete(attribute);
    if (attributes.size > 0) this.byContact.set(contact, attributes);
    else this.byContact.delete(contact);
  }
}

/**
 * Contact memory shared by a contact's conversations, durable in the compacted
 * `trigger-matcher.contact-memory` topic that every instance reads whole. A batch stages the
 * attributes its events taught; they are published in the batch's transaction and enter the view
 * once it committed. Conversations of one contact may be on other partitions, owned by other
 * instances: what they teach arrives here through the topic, within the view's lag.
 */
@Injectable()
export class ContactMemoryStore {
  constructor(
    @Inject(CONTACT_ATTRIBUTES) private readonly view: CompactedTopicView<ContactAttributeRecord>,
    private readonly index: ContactMemoryIndex,
  ) {}

  session(batch: ConsumedBatch): ContactMemorySession {
    const session = new ContactMemorySession(this.view, this.index);
    batch.afterCommit(() => session.commit());
    return session;
  }
}

export class ContactMemorySession {
  /** Attribute key → the record the batch sets, or null for the attribute's tombstone. */
  private readonly staged = new Map<string, ContactAttributeRecord | null>();

  constructor(
    private readonly view: CompactedTopicView<ContactAttributeRecord>,
    private readonly index: ContactMemoryIndex,
  ) {}

  /** The contact's attributes, with what this batch taught and cleared so far. */
  attributesOf(tenantId: string, contactId: string): Map<string, ContactAttribute> {
    const attributes = new Map(this.index.attributesOf(tenantId, contactId));
    const prefix = `${contactKey(tenantId, contactId)}/`;
    for (const [key, record] of this.staged) {
      if (!key.startsWith(prefix)) continue;
      const attribute = decodeURIComponent(key.slice(prefix.length));
      if (record) attributes.set(attribute, { value: record.value, at: record.at });
      else attributes.delete(attribute);
    }
    return attributes;
  }

  /** Stages attribute changes (null clears one) learnt from an event at `at`; older than what is known, they lose. */
  stage(tenantId: string, contactId: string, changes: Record<string, unknown>, at: string): void {
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
   * Stages forgetting every attribute of the contact: a tombstone each, so that compaction removes
   * them from the topic too. Unlike a cleared attribute (null), nothing of the contact is kept, not
   * even the time of the clear: a later update, whatever its event time, sets attributes again.
   */
  clear(tenantId: string, contactId: string): void {
    for (const attribute of this.attributesOf(tenantId, contactId).keys()) {
      this.staged.set(contactAttributeKey(tenantId, contactId, attribute), null);
    }
  }

  records(): OutboundRecord[] {
    return [...this.staged].map(([key, record]) =>
      record
        ? jsonRecord(Topics.contactMemory.name, key, record)
        : { topic: Topics.contactMemory.name, key, value: null },
    );
  }

  /**
   * Committed changes enter the view at once, deletions included: a record of the key written
   * before the tombstone and not read yet can bring the attribute back only until the view reads
   * the tombstone, which follows it on the same partition.
   */
  commit(): void {
    for (const [key, record] of this.staged) {
      if (record) this.view.set(key, record);
      else this.view.delete(key);
    }
  }
}
