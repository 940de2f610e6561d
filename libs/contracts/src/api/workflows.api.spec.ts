import type { Action, FiringPolicy, Trigger } from '../workflows/workflow.v1';
import { InvalidInputError, type ValidationIssue } from '../validation';
import { createWorkflowRequestValidator, updateWorkflowRequestValidator } from './workflows.api';

/** A valid sample and an invalid one (with the issues it must report) for each kind. */
interface Case {
  valid: object;
  invalid: object;
  issues: ValidationIssue[];
}

// Records over the union's tags: a new trigger kind, action type or firing mode without a case
// here does not compile.
const triggers: Record<Trigger['type'], Case> = {
  intent: {
    valid: { type: 'intent', phrases: ['I want to cancel'], negativePhrases: ["don't cancel"], threshold: 0.7 },
    invalid: { type: 'intent', phrases: [], threshold: 2 },
    issues: [
      { field: '/trigger/phrases', reason: 'must NOT have fewer than 1 items' },
      { field: '/trigger/threshold', reason: 'must be <= 1' },
    ],
  },
  ai_intent: {
    valid: { type: 'ai_intent', intents: ['billing'], minConfidence: 0.8 },
    invalid: { type: 'ai_intent', intents: 'billing' },
    issues: [{ field: '/trigger/intents', reason: 'must be array' }],
  },
  ai_request: {
    valid: { type: 'ai_request', conditions: { op: 'equals', attribute: 'vip', value: true } },
    invalid: { type: 'ai_request', conditions: { op: 'resembles', attribute: 'vip' } },
    issues: [{ field: '/trigger/conditions/op', reason: expect.stringContaining('must be one of') }],
  },
  failed_answers: {
    valid: { type: 'failed_answers', count: 2 },
    invalid: { type: 'failed_answers', count: 0 },
    issues: [{ field: '/trigger/count', reason: 'must be >= 1' }],
  },
  conversation_end: {
    valid: { type: 'conversation_end' },
    invalid: { type: 'conversation_end', count: 1 },
    issues: [{ field: '/trigger/count', reason: 'is not allowed' }],
  },
  no_reply: {
    valid: { type: 'no_reply', waitingFor: 'agent', seconds: 300 },
    invalid: { type: 'no_reply', seconds: 300 },
    issues: [{ field: '/trigger/waitingFor', reason: 'is required' }],
  },
};

const fallback = { message: { text: 'Sorry, {{contact.name}}: we will get back to you.' }, when: 'first_failure' };
const actions: Record<Action['type'], Case> = {
  webhook: {
    valid: {
      type: 'webhook',
      url: 'https://example.com/hook',
      headers: { 'X-Team': 'billing' },
      payloadTemplate: { text: '{{conversation.message.text}}', vip: '{{memory.vip}}' },
      responseReply: { text: 'Your ticket is {{response.id}}' },
      fallback,
    },
    invalid: { type: 'webhook', url: 'ftp://example.com/hook', fallback: { message: {} } },
    issues: [
      { field: '/action/url', reason: expect.stringContaining('must match') },
      { field: '/action/fallback/message/text', reason: 'is required' },
    ],
  },
  zapier: {
    valid: { type: 'zapier', url: 'https://hooks.zapier.com/hooks/catch/123/abc/', fallback },
    invalid: { type: 'zapier', url: 'https://example.com/hook' },
    issues: [{ field: '/action/url', reason: expect.stringContaining('must match') }],
  },
  make: {
    valid: { type: 'make', url: 'https://hook.eu1.make.com/abc123' },
    invalid: { type: 'make' },
    issues: [{ field: '/action/url', reason: 'is required' }],
  },
  escalate: {
    valid: {
      type: 'escalate',
      reason: 'VIP asked for a human',
      requireContact: { fields: ['email'], prompt: { text: 'What is your email?' } },
      fallback,
    },
    invalid: { type: 'escalate', requireContact: { fields: ['fax'], prompt: { text: 'x' } } },
    issues: [{ field: '/action/requireContact/fields/0', reason: 'must be one of "email", "phone"' }],
  },
  tag: {
    valid: { type: 'tag', signals: [{ name: 'churn_risk', value: true }] },
    invalid: { type: 'tag', signals: [] },
    issues: [{ field: '/action/signals', reason: 'must NOT have fewer than 1 items' }],
  },
  reply: {
    valid: { type: 'reply', message: { text: 'Here you go', links: [{ label: 'Help', url: 'https://example.com' }] } },
    invalid: { type: 'reply', message: { text: 'Hi {{password}}' } },
    issues: [
      {
        field: '/action/message/text',
        reason:
          'uses {{password}}, which is no variable here: they are contact.*, memory.*, conversation.*, trigger.*, ai.*, workflow.*',
      },
    ],
  },
  update_memory: {
    valid: { type: 'update_memory', set: { cancellation_requested: true }, clear: ['discount'] },
    invalid: { type: 'update_memory', clear: 'discount' },
    issues: [{ field: '/action/clear', reason: 'must be array' }],
  },
};

const firing: Record<FiringPolicy['mode'], Case> = {
  once_per_conversation: {
    valid: { mode: 'once_per_conversation' },
    invalid: { mode: 'once_per_conversation', seconds: 1 },
    issues: [{ field: '/firing/seconds', reason: 'is not allowed' }],
  },
  every_time: {
    valid: { mode: 'every_time', priority: 10 },
    invalid: { mode: 'sometimes' },
    issues: [{ field: '/firing/mode', reason: expect.stringContaining('must be one of') }],
  },
  cooldown: {
    valid: { mode: 'cooldown', cooldownSeconds: 60, priority: 0 },
    invalid: { mode: 'cooldown' },
    issues: [{ field: '/firing/cooldownSeconds', reason: 'is required' }],
  },
};

const base = {
  name: 'Workflow',
  trigger: triggers.intent.valid,
  action: actions.webhook.valid,
};

function issuesOf(validate: () => unknown): ValidationIssue[] {
  try {
    validate();
    return [];
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    return error.issues;
  }
}

const create = (body: object) => issuesOf(() => createWorkflowRequestValidator.parse(body));

describe('workflow requests: every trigger kind, action type and firing mode, with field-level errors', () => {
  it.each(Object.entries(triggers))('trigger %s: accepted when valid; each error names its field', (_, cases) => {
    expect(create({ ...base, trigger: cases.valid })).toEqual([]);
    expect(create({ ...base, trigger: cases.invalid })).toEqual(cases.issues);
  });

  it.each(Object.entries(actions))('action %s: accepted when valid; each error names its field', (_, cases) => {
    expect(create({ ...base, action: cases.valid })).toEqual([]);
    expect(create({ ...base, action: cases.invalid })).toEqual(cases.issues);
  });

  it.each(Object.entries(firing))('firing %s: accepted when valid; each error names its field', (_, cases) => {
    expect(create({ ...base, firing: cases.valid })).toEqual([]);
    expect(create({ ...base, firing: cases.invalid })).toEqual(cases.issues);
  });

  it('names every missing or unknown top-level field, and the status', () => {
    expect(create({ status: 'live', extra: 1 })).toEqual([
      { field: '/name', reason: 'is required' },
      { field: '/trigger', reason: 'is required' },
      { field: '/action', reason: 'is required' },
      { field: '/extra', reason: 'is not allowed' },
      { field: '/status', reason: 'must be one of "enabled", "draft", "disabled"' },
    ]);
    for (const status of ['enabled', 'draft', 'disabled']) expect(create({ ...base, status })).toEqual([]);
  });

  it('takes any subset of fields in a change, but at least one, each validated like on creation', () => {
    const update = (body: object) => issuesOf(() => updateWorkflowRequestValidator.parse(body));
    expect(update({ status: 'disabled' })).toEqual([]);
    expect(update({ action: actions.reply.valid, firing: firing.cooldown.valid })).toEqual([]);
    expect(update({})).toEqual([{ field: '/', reason: 'must NOT have fewer than 1 properties' }]);
    expect(update({ trigger: triggers.no_reply.invalid })).toEqual(triggers.no_reply.issues);
  });
});

describe('firing priority', () => {
  it('is an integer from 0 to 1000, refused with the field otherwise', () => {
    const withPriority = (priority: unknown) => () =>
      createWorkflowRequestValidator.parse({ ...base, firing: { mode: 'every_time', priority } });
    expect(issuesOf(withPriority(1000))).toEqual([]);
    expect(issuesOf(withPriority(1001))).toEqual([{ field: '/firing/priority', reason: 'must be <= 1000' }]);
    expect(issuesOf(withPriority(-1))).toEqual([{ field: '/firing/priority', reason: 'must be >= 0' }]);
    expect(issuesOf(withPriority(1.5))).toEqual([{ field: '/firing/priority', reason: 'must be integer' }]);
  });
});

describe('template variables', () => {
  const webhook = (action: object) =>
    create({ ...base, action: { type: 'webhook', url: 'https://example.com/h', ...action } });

  it('takes {{response.*}} in a response reply only: anywhere else it would render empty', () => {
    expect(webhook({ responseReply: { text: 'Order {{response.orderId}} is cancelled' } })).toEqual([]);
    expect(webhook({ fallback: { message: { text: 'Sorry: {{response.error}}' } } })).toEqual([
      {
        field: '/action/fallback/message/text',
        reason: expect.stringMatching(/^uses \{\{response\.error\}\}, which is no variable here/),
      },
    ]);
  });

  it('names one problem per payload template string, and a {{ left open', () => {
    expect(
      webhook({ payloadTemplate: { order: '{{memory.order}}', tries: 3, tags: ['a', null], nested: { ok: true } } }),
    ).toEqual([]);
    expect(webhook({ payloadTemplate: { who: '{{contact.name}', bad: ['{{secrets.key}}'] } })).toEqual([
      { field: '/action/payloadTemplate/who', reason: 'has "{{" with no "}}" after it' },
      { field: '/action/payloadTemplate/bad/0', reason: expect.stringMatching(/^uses \{\{secrets\.key\}\}/) },
    ]);
    expect(webhook({ payloadTemplate: { plan: '{{memory.plan-type}}' } })).toEqual([
      {
        field: '/action/payloadTemplate/plan',
        reason: "uses {{memory.plan-type}}: a variable's names, between dots, are letters, digits and _",
      },
    ]);
  });
});
