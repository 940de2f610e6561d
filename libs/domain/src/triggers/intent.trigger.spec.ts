import type { WorkflowDefinition } from '@app/contracts';
import { DEFAULT_INTENT_THRESHOLD, evaluateWorkflows, explainWorkflows, matchTrigger, tokenize } from './index';

const cancel = { type: 'intent' as const, phrases: ['I want to cancel', 'close my account', 'stop my subscription'] };
const fromContact = (text: string) => ({ message: { role: 'contact' as const, text } });
const owner = { id: 'w', name: 'Workflow' };

describe('tokenize', () => {
  it('lower-cases, expands contractions, drops punctuation and filler words', () => {
    expect(tokenize("Hi, I'd like to CANCEL my subscription please!")).toEqual(['cancel', 'subscription']);
    expect(tokenize("I don't want this")).toEqual(['not']);
    expect(tokenize('Cancelled orders')).toEqual(['cancel', 'order']);
  });
});

describe('intent trigger', () => {
  it('fires on a message containing a phrase’s meaningful words, naming the best phrase', () => {
    expect(matchTrigger(cancel, fromContact("hi, I'd like to cancel my subscription please"), owner)).toEqual({
      type: 'intent',
      phrase: 'I want to cancel',
      score: 1,
      threshold: DEFAULT_INTENT_THRESHOLD,
    });
    expect(matchTrigger(cancel, fromContact('Please close the account'), owner)?.phrase).toBe('close my account');
  });

  it('scores unrelated messages low and partial ones by the share of words they contain', () => {
    expect(matchTrigger(cancel, fromContact('what are your opening hours?'), owner)?.score).toBe(0);
    // "stop my subscription" shares one word of two.
    expect(
      matchTrigger({ ...cancel, phrases: ['stop my subscription'] }, fromContact('my subscription renewed'), owner),
    ).toEqual({
      type: 'intent',
      phrase: 'stop my subscription',
      score: 0.5,
      threshold: DEFAULT_INTENT_THRESHOLD,
    });
  });

  it('stays quiet when the message is at least as close to a negative phrase', () => {
    const withNegatives = { ...cancel, negativePhrases: ["I don't want to cancel"] };
    expect(matchTrigger(withNegatives, fromContact("I don't want to cancel, just change my plan"), owner)).toEqual({
      type: 'intent',
      phrase: 'I want to cancel',
      score: 0,
      threshold: DEFAULT_INTENT_THRESHOLD,
      detail: 'matches the negative phrase "I don\'t want to cancel"',
    });
    expect(matchTrigger(withNegatives, fromContact('I want to cancel'), owner)?.score).toBe(1);
  });

  it('only listens to the contact, not to the AI or agents', () => {
    expect(matchTrigger(cancel, { message: { role: 'ai', text: 'I want to cancel' } }, owner)).toBeNull();
    expect(matchTrigger(cancel, {}, owner)).toBeNull();
  });
});

describe('evaluateWorkflows and explainWorkflows', () => {
  const workflow = (overrides: Partial<WorkflowDefinition>): WorkflowDefinition => ({
    id: '6f1d3b8e-8a55-4a39-9a3e-1c2f8e0a1b2c',
    tenantId: 'acme',
    name: 'Cancel',
    version: 1,
    status: 'enabled',
    trigger: cancel,
    action: { type: 'webhook', url: 'https://example.com/hook' },
    firing: { mode: 'every_time' },
    signingSecret: 'whsec_c2VjcmV0',
    updatedAt: new Date(0).toISOString(),
    ...overrides,
  });

  it('fires only when the trigger’s conditions hold for the contact', () => {
    const enterpriseOnly = workflow({
      trigger: { ...cancel, conditions: { op: 'in', attribute: 'plan', value: ['enterprise'] } },
    });
    const cancelMessage = fromContact('I want to cancel');
    expect(evaluateWorkflows([enterpriseOnly], { ...cancelMessage, memory: { plan: 'enterprise' } })).toHaveLength(1);
    expect(evaluateWorkflows([enterpriseOnly], { ...cancelMessage, memory: { plan: 'free' } })).toHaveLength(0);
    expect(evaluateWorkflows([enterpriseOnly], cancelMessage)).toHaveLength(0);
  });

  it('explains for each workflow why it fires or not', () => {
    const workflows = [
      workflow({ id: 'fires' }),
      workflow({ id: 'off', status: 'disabled' }),
      workflow({ id: 'low', trigger: { type: 'intent', phrases: ['refund my order'] } }),
      workflow({ id: 'vip', trigger: { ...cancel, conditions: { op: 'equals', attribute: 'vip', value: true } } }),
    ];
    const outcomes = explainWorkflows(workflows, { ...fromContact('I want to cancel'), memory: { vip: false } });
    expect(outcomes.map(({ workflow, outcome }) => [workflow.id, outcome])).toEqual([
      ['fires', 'fired'],
      ['off', 'disabled'],
      ['low', 'below_threshold'],
      ['vip', 'conditions_false'],
    ]);
    expect(outcomes[3]?.conditions?.comparisons).toEqual([
      { op: 'equals', attribute: 'vip', expected: true, actual: false, result: false },
    ]);
    expect(explainWorkflows(workflows, { message: { role: 'ai', text: 'I want to cancel' } })[0]?.outcome).toBe(
      'not_applicable',
    );
  });

  it('fires only enabled workflows, best match first', () => {
    const fired = evaluateWorkflows(
      [
        workflow({ id: 'partial', trigger: { type: 'intent', phrases: ['stop my subscription now'], threshold: 0.5 } }),
        workflow({ id: 'exact' }),
        workflow({ id: 'disabled', status: 'disabled' }),
      ],
      fromContact('stop my subscription'),
    );
    expect(fired.map((entry) => [entry.workflow.id, entry.match.score])).toEqual([
      ['exact', 1],
      ['partial', 2 / 3],
    ]);
  });
});
