import type { Trigger } from '@app/contracts';
import { evaluateWorkflows, type CandidateWorkflow } from './index';
import { WorkflowIndex } from './workflow-index';

const workflow = (id: string, trigger: Trigger, status: 'enabled' | 'disabled' = 'enabled'): CandidateWorkflow => ({
  id,
  name: id,
  status,
  trigger,
});

describe('WorkflowIndex', () => {
  const workflows = [
    workflow('cancel', { type: 'intent', phrases: ['I want to cancel', 'close my account'] }),
    workflow('refund', { type: 'intent', phrases: ['refund my order', 'money back'], threshold: 0.5 }),
    workflow('card', { type: 'intent', phrases: ['my card is lost', 'card stolen'] }),
    workflow('anything', { type: 'intent', phrases: ['whatever'], threshold: 0 }),
    workflow('off', { type: 'intent', phrases: ['I want to cancel'] }, 'disabled'),
    workflow('escalate', { type: 'failed_answers', count: 1 }),
    workflow('ai', { type: 'ai_intent', intents: ['cancel'] }),
  ];
  const index = new WorkflowIndex(workflows);

  it.each([
    'I want to cancel my order',
    'can I get my money back?',
    'my card was stolen yesterday',
    'please close the account',
    'what are your opening hours',
    '',
  ])('decides like a full scan on %j', (text) => {
    const input = { message: { role: 'contact' as const, text }, ai: { intent: 'cancel' } };
    const ids = (fired: { workflow: CandidateWorkflow }[]) => fired.map((entry) => entry.workflow.id);
    expect(ids(index.evaluate(input))).toEqual(ids(evaluateWorkflows(workflows, input)));
  });

  it('still evaluates non-intent triggers on AI messages', () => {
    const input = { message: { role: 'ai' as const, text: 'sorry' }, ai: { answered: false }, failedAnswers: 1 };
    expect(index.evaluate(input).map((entry) => entry.workflow.id)).toEqual(['escalate']);
  });
});
