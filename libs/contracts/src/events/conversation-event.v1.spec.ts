import { InvalidInputError } from '../validation';
import { parseConversationEvent } from './conversation-event.v1';

const valid = {
  specversion: '1.0',
  id: 'evt-1',
  source: '/platforms/acme',
  type: 'conversation.message.created',
  time: '2026-11-24T10:00:00Z',
  subject: 'conv-1',
  tenantid: 'acme',
  data: { messageId: 'm-1', role: 'contact', text: 'I want to cancel' },
};
const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));

function issuesOf(value: Buffer): { code: string; fields: string[] } {
  try {
    parseConversationEvent(value);
  } catch (error) {
    if (error instanceof InvalidInputError)
      return { code: error.code, fields: error.issues.map((issue) => issue.field) };
    throw error;
  }
  throw new Error('expected the event to be refused');
}

describe('parseConversationEvent', () => {
  it('accepts each event type', () => {
    expect(parseConversationEvent(bytes(valid)).type).toBe('conversation.message.created');
    expect(parseConversationEvent(bytes({ ...valid, type: 'conversation.ended', data: {} })).type).toBe(
      'conversation.ended',
    );
    expect(
      parseConversationEvent(
        bytes({
          ...valid,
          type: 'contact.memory.updated',
          data: { contact: { id: 'c-1' }, attributes: { vip: true } },
        }),
      ).type,
    ).toBe('contact.memory.updated');
    expect(
      parseConversationEvent(bytes({ ...valid, type: 'contact.memory.cleared', data: { contact: { id: 'c-1' } } }))
        .type,
    ).toBe('contact.memory.cleared');
  });

  it('names the contact a contact.memory.cleared event lacks, and the details and attributes it must not carry', () => {
    expect(issuesOf(bytes({ ...valid, type: 'contact.memory.cleared', data: {} })).fields).toEqual(['/data/contact']);
    expect(
      issuesOf(
        bytes({
          ...valid,
          type: 'contact.memory.cleared',
          data: { contact: { id: 'c-1' }, attributes: { vip: null } },
        }),
      ).fields,
    ).toEqual(['/data/attributes']);
    expect(
      issuesOf(
        bytes({ ...valid, type: 'contact.memory.cleared', data: { contact: { id: 'c-1', email: 'a@example.com' } } }),
      ).fields,
    ).toEqual(['/data/contact/email']);
  });

  it('names malformed JSON as such', () => {
    expect(issuesOf(Buffer.from('{"id":'))).toEqual({ code: 'malformed_json', fields: [] });
  });

  it('names each invalid field of the matching event type only', () => {
    const result = issuesOf(
      bytes({ ...valid, tenantid: 'no spaces allowed', data: { ...valid.data, role: 'robot', extra: 1 } }),
    );
    expect(result.code).toBe('schema_violation');
    expect(result.fields.sort()).toEqual(['/data/extra', '/data/role', '/tenantid']);
  });

  it('names a missing field and an unknown type', () => {
    const { data: _data, ...withoutData } = valid;
    expect(issuesOf(bytes(withoutData)).fields).toContain('/data');
    expect(issuesOf(bytes({ ...valid, type: 'conversation.exploded' })).fields).toEqual(['/type']);
  });

  it('refuses events above the size limit before parsing them', () => {
    const huge = bytes({ ...valid, data: { ...valid.data, text: 'x'.repeat(300_000) } });
    expect(issuesOf(huge).code).toBe('too_large');
  });
});
