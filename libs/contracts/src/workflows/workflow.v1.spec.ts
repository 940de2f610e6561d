import { createWorkflowRequestValidator } from '../api/workflows.api';
import { workflowDefinitionValidator } from './workflow.v1';
import { InvalidInputError } from '../validation';

function issuesOf(body: object): string[] {
  try {
    createWorkflowRequestValidator.parse({
      name: 'Nudge',
      action: { type: 'webhook', url: 'https://example.com/hook' },
      ...body,
    });
    return [];
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    return error.issues.map((issue) => `${issue.field} ${issue.reason}`);
  }
}

describe('no_reply trigger and draft status in a workflow', () => {
  it('accepts a no_reply trigger with conditions, and the draft status', () => {
    expect(
      issuesOf({
        status: 'draft',
        trigger: {
          type: 'no_reply',
          waitingFor: 'contact',
          seconds: 600,
          conditions: { op: 'equals', attribute: 'vip', value: true },
        },
      }),
    ).toEqual([]);
  });

  it('names the field and the reason of a bad no_reply trigger', () => {
    expect(issuesOf({ trigger: { type: 'no_reply', waitingFor: 'bot', seconds: 0 } })).toEqual([
      '/trigger/waitingFor must be one of "contact", "agent"',
      '/trigger/seconds must be >= 1',
    ]);
    expect(issuesOf({ trigger: { type: 'no_reply', waitingFor: 'agent', seconds: 31 * 24 * 3600 } })).toEqual([
      '/trigger/seconds must be <= 2592000',
    ]);
    expect(issuesOf({ trigger: { type: 'no_reply', waitingFor: 'agent' } })).toEqual(['/trigger/seconds is required']);
  });

  it('refuses an unknown status', () => {
    expect(issuesOf({ status: 'paused', trigger: { type: 'conversation_end' } })).toEqual([
      '/status must be one of "enabled", "draft", "disabled"',
    ]);
  });
});

describe("a webhook action's custom headers", () => {
  const withHeaders = (headers: Record<string, string>) =>
    issuesOf({
      trigger: { type: 'conversation_end' },
      action: { type: 'webhook', url: 'https://example.com/hook', headers },
    });

  it('accepts HTTP tokens that are not reserved, in any case', () => {
    expect(withHeaders({ 'X-Api-Key': 'key', authorization: 'Bearer t', 'X-Webhook-Source': 'crm', Tea: 'x' })).toEqual(
      [],
    );
  });

  it('refuses, naming each, the headers the engine sets and those that frame the message, in any case', () => {
    const reserved = [
      'Content-Type',
      'content-type',
      'USER-AGENT',
      'Content-Length',
      'Transfer-Encoding',
      'Host',
      'connection',
      'Keep-Alive',
      'Upgrade',
      'Expect',
      'TE',
      'Trailer',
      'Webhook-Id',
      'webhook-signature',
      'WEBHOOK-Timestamp',
      'webhook-anything',
    ];
    expect(withHeaders(Object.fromEntries(reserved.map((name) => [name, 'x'])))).toEqual(
      reserved.map((name) => `/action/headers/${name} is not allowed`),
    );
  });

  it('refuses a value with a line break or a character HTTP cannot carry, naming the header', () => {
    expect(withHeaders({ 'X-Ok': 'Bearer t\té', 'X-Split': 'a\r\nInjected: yes', 'X-Wide': 'ключ' })).toEqual([
      '/action/headers/X-Split must match pattern "^[\\t\\u0020-\\u007e\\u0080-\\u00ff]*$"',
      '/action/headers/X-Wide must match pattern "^[\\t\\u0020-\\u007e\\u0080-\\u00ff]*$"',
    ]);
  });

  it('refuses a name that is not an HTTP token', () => {
    expect(withHeaders({ 'bad name': 'x', '': 'x' })).toEqual([
      '/action/headers/bad name is not allowed',
      '/action/headers/ is not allowed',
    ]);
  });
});

describe('update_memory action', () => {
  const trigger = { type: 'intent', phrases: ['delete my data'] };

  it('takes forgetContact alone or with attributes to set', () => {
    expect(issuesOf({ trigger, action: { type: 'update_memory', forgetContact: true } })).toEqual([]);
    expect(
      issuesOf({ trigger, action: { type: 'update_memory', forgetContact: true, set: { erasure_requested: true } } }),
    ).toEqual([]);
  });

  it('names forgetContact when it is not true, and an action with nothing to do', () => {
    expect(issuesOf({ trigger, action: { type: 'update_memory', forgetContact: false } })).toEqual([
      '/action/forgetContact must be true',
    ]);
    expect(issuesOf({ trigger, action: { type: 'update_memory' } })).toEqual([
      '/action must NOT have fewer than 2 properties',
    ]);
  });
});

describe('stored workflow definitions', () => {
  // What releases before the stricter input rules took: a workflow saved then must stay readable.
  const savedEarlier = {
    id: '1b4e28ba-2fa1-11d2-883f-00c04fd430c8',
    tenantId: 'acme',
    name: 'Cancel',
    version: 3,
    status: 'enabled',
    trigger: { type: 'intent', phrases: ['I want to cancel'] },
    action: {
      type: 'webhook',
      url: 'https://user:secret@orders.example.com/cancel',
      payloadTemplate: { '': '{{contact.name}}', [`k${'x'.repeat(200)}`]: 1 },
      fallback: { message: { text: 'Sorry: {{response.error}}' } },
    },
    firing: { mode: 'once_per_conversation' },
    signingSecret: 'whsec_c2VjcmV0c2VjcmV0c2VjcmV0',
    updatedAt: '2026-12-01T09:00:00.000Z',
  };

  it('are read with the rules they were saved under, while new input is held to the stricter ones', () => {
    expect(workflowDefinitionValidator.check(savedEarlier)).toBe(true);
    const { name, trigger, action } = savedEarlier;
    expect(createWorkflowRequestValidator.check({ name, trigger, action })).toBe(false);
  });

  it('still have their shape checked', () => {
    expect(workflowDefinitionValidator.check({ ...savedEarlier, action: { type: 'webhook' } })).toBe(false);
    expect(workflowDefinitionValidator.check({ ...savedEarlier, version: 'three' })).toBe(false);
  });
});
