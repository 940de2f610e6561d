import type { Trigger } from '@app/contracts';
import { DEFAULT_AI_CONFIDENCE, explainWorkflows, matchTrigger, type CandidateWorkflow } from './index';

const owner = { id: 'wf-1', name: 'Cancel subscription' };
const fires = (trigger: Trigger, input: Parameters<typeof matchTrigger>[1]) => {
  const match = matchTrigger(trigger, input, owner);
  return match === null ? null : match.score >= match.threshold;
};

describe('AI decision triggers', () => {
  const aiIntent: Trigger = { type: 'ai_intent', intents: ['cancel_subscription', 'Close_Account'] };

  it('ai_intent fires on a listed intent with enough confidence', () => {
    const message = { role: 'contact' as const, text: 'bye' };
    expect(fires(aiIntent, { message, ai: { intent: 'close_account', confidence: 0.9 } })).toBe(true);
    expect(fires(aiIntent, { message, ai: { intent: 'cancel_subscription' } })).toBe(true);
    expect(
      fires(aiIntent, { message, ai: { intent: 'cancel_subscription', confidence: DEFAULT_AI_CONFIDENCE - 0.01 } }),
    ).toBe(false);
    expect(
      fires({ ...aiIntent, minConfidence: 0.5 }, { message, ai: { intent: 'cancel_subscription', confidence: 0.6 } }),
    ).toBe(true);
    expect(fires(aiIntent, { message })).toBeNull();
  });

  it('ai_intent does not apply to an intent it does not list, whatever its threshold', () => {
    const message = { role: 'contact' as const, text: 'bye' };
    expect(fires(aiIntent, { message, ai: { intent: 'refund', confidence: 1 } })).toBeNull();
    expect(fires({ ...aiIntent, minConfidence: 0 }, { message, ai: { intent: 'refund', confidence: 1 } })).toBeNull();
    expect(fires({ ...aiIntent, minConfidence: 0 }, { message, ai: { intent: 'close_account', confidence: 0 } })).toBe(
      true,
    );
  });

  it('ai_request fires when the AI names this workflow by id or name', () => {
    const trigger: Trigger = { type: 'ai_request' };
    expect(fires(trigger, { ai: { requestedWorkflow: 'wf-1' } })).toBe(true);
    expect(fires(trigger, { ai: { requestedWorkflow: 'WF-1' } })).toBe(true);
    expect(fires(trigger, { ai: { requestedWorkflow: 'cancel SUBSCRIPTION' } })).toBe(true);
    expect(fires(trigger, { ai: { requestedWorkflow: 'refund' } })).toBe(false);
    expect(fires(trigger, { ai: { intent: 'x' } })).toBeNull();
  });

  it('ai_request runs one workflow when several share the requested name: the first by priority whose conditions hold', () => {
    const named = (id: string, extra: Partial<CandidateWorkflow> = {}): CandidateWorkflow => ({
      id,
      name: 'Cancel',
      status: 'enabled',
      trigger: { type: 'ai_request' },
      ...extra,
    });
    const outcomes = (workflows: CandidateWorkflow[], memory: Record<string, unknown> = {}) =>
      Object.fromEntries(
        explainWorkflows(workflows, { ai: { requestedWorkflow: 'cancel' }, memory }).map(({ workflow, outcome }) => [
          workflow.id,
          outcome,
        ]),
      );
    // Same priority: the lower id, so that every instance and every replay choose alike.
    expect(outcomes([named('wf-b'), named('wf-a')])).toEqual({ 'wf-a': 'fired', 'wf-b': 'outranked' });
    const enterprise = named('wf-z', {
      trigger: { type: 'ai_request', conditions: { attribute: 'plan', op: 'equals', value: 'enterprise' } },
      firing: { mode: 'once_per_conversation', priority: 5 },
    });
    // Conditions tell the cases apart: the enterprise one for enterprise contacts, the other one for the rest.
    expect(outcomes([named('wf-a'), enterprise], { plan: 'enterprise' })).toEqual({
      'wf-a': 'outranked',
      'wf-z': 'fired',
    });
    expect(outcomes([named('wf-a'), enterprise], { plan: 'team' })).toEqual({
      'wf-a': 'fired',
      'wf-z': 'conditions_false',
    });
    // A disabled namesake neither runs nor holds the other back; a workflow of another name is not a rival.
    expect(
      outcomes([named('wf-a', { status: 'disabled', firing: { mode: 'every_time', priority: 9 } }), named('wf-b')]),
    ).toEqual({
      'wf-a': 'disabled',
      'wf-b': 'fired',
    });
    // Asked for by id, a workflow is the only one that may run: not a namesake of its id, even when it cannot.
    const requestedById = named('wf-a', {
      status: 'disabled',
      trigger: { type: 'ai_request', conditions: { attribute: 'plan', op: 'equals', value: 'enterprise' } },
    });
    const idAlike = named('wf-b', { name: 'wf-a' });
    const byId = explainWorkflows([requestedById, idAlike], { ai: { requestedWorkflow: 'WF-A' } });
    expect(byId.map(({ workflow, outcome }) => [workflow.id, outcome])).toEqual([
      ['wf-a', 'conditions_false'],
      ['wf-b', 'outranked'],
    ]);
    expect(outcomes([named('wf-a'), named('wf-b', { name: 'Refund' })])).toEqual({
      'wf-a': 'fired',
      'wf-b': 'below_threshold',
    });
  });
});

describe('conversation triggers', () => {
  const escalate: Trigger = { type: 'failed_answers', count: 2 };
  const failedAnswer = (failedAnswers: number) => ({
    message: { role: 'ai' as const, text: 'Sorry, I cannot help with that' },
    ai: { answered: false },
    failedAnswers,
  });

  it('failed_answers fires on the failed AI answer that reaches the count', () => {
    expect(fires(escalate, failedAnswer(1))).toBe(false);
    expect(fires(escalate, failedAnswer(2))).toBe(true);
    expect(matchTrigger(escalate, failedAnswer(1), owner)?.detail).toBe('1 of 2 failed AI answers');
    // Only failed AI answers count as occasions, not contact messages or good answers.
    expect(fires(escalate, { message: { role: 'contact', text: 'hello?' }, failedAnswers: 5 })).toBeNull();
    expect(fires(escalate, { ...failedAnswer(3), ai: { answered: true } })).toBeNull();
  });

  it('conversation_end fires when the conversation ends', () => {
    expect(fires({ type: 'conversation_end' }, { conversationEnded: true })).toBe(true);
    expect(fires({ type: 'conversation_end' }, { message: { role: 'contact', text: 'bye' } })).toBeNull();
  });
});
