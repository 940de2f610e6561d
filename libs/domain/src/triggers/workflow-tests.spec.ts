import type { Trigger, WorkflowTestCase } from '@app/contracts';
import type { FiringWorkflow } from '../conversations/firing-policy';
import { runWorkflowTests } from './workflow-tests';

const workflow = (trigger: Trigger): FiringWorkflow => ({
  id: 'wf',
  name: 'Under test',
  // Tests judge a workflow as if it were enabled: they decide whether it may go live.
  status: 'disabled',
  trigger,
  firing: { mode: 'once_per_conversation' },
});
const options = { maxPerMinute: 5 };
const failedAnswer = { role: 'ai' as const, text: 'sorry, I do not know', ai: { answered: false } };

describe('runWorkflowTests', () => {
  it('judges a case as one conversation: failed AI answers add up to the count', () => {
    const escalate = workflow({ type: 'failed_answers', count: 2 });
    const cases: WorkflowTestCase[] = [
      {
        name: 'two failed answers',
        messages: [{ text: 'where is my parcel?' }, failedAnswer, failedAnswer],
        expect: 'fire',
      },
      { name: 'one failed answer', messages: [failedAnswer], expect: 'no_fire' },
    ];
    expect(runWorkflowTests(escalate, cases, options)).toEqual([
      {
        index: 0,
        name: 'two failed answers',
        expect: 'fire',
        passed: true,
        firedOnMessage: 2,
        outcomes: ['not_applicable', 'below_threshold', 'fired'],
      },
      {
        index: 1,
        name: 'one failed answer',
        expect: 'no_fire',
        passed: true,
        firedOnMessage: null,
        outcomes: ['below_threshold'],
      },
    ]);
  });

  it('judges the end of the conversation when the case ends it, after the messages', () => {
    const summary = workflow({ type: 'conversation_end' });
    const messages = [{ text: 'thanks, bye' }];
    const [open, ended] = runWorkflowTests(
      summary,
      [
        { messages, expect: 'fire' },
        { messages, ended: true, expect: 'fire' },
      ],
      options,
    );
    expect(open).toMatchObject({ passed: false, firedOnMessage: null, outcomes: ['not_applicable'] });
    expect(ended).toMatchObject({ passed: true, firedOnMessage: 1, outcomes: ['not_applicable', 'fired'] });
  });

  it('applies the firing policy: a once-per-conversation workflow is held back on a second match', () => {
    const cancel = workflow({ type: 'intent', phrases: ['cancel my subscription'] });
    const [result] = runWorkflowTests(
      cancel,
      [{ messages: [{ text: 'cancel my subscription' }, { text: 'cancel my subscription' }], expect: 'fire' }],
      options,
    );
    expect(result).toMatchObject({ passed: true, firedOnMessage: 0, outcomes: ['fired', 'held_back'] });
  });

  it('judges conditions against the case’s memory', () => {
    const vipCancel = workflow({
      type: 'intent',
      phrases: ['cancel my subscription'],
      conditions: { op: 'equals', attribute: 'vip', value: true },
    } as Trigger);
    const messages = [{ text: 'cancel my subscription' }];
    const results = runWorkflowTests(
      vipCancel,
      [
        { messages, memory: { vip: true }, expect: 'fire' },
        { messages, memory: { vip: false }, expect: 'fire' },
      ],
      options,
    );
    expect(results.map(({ passed, outcomes }) => [passed, outcomes])).toEqual([
      [true, ['fired']],
      [false, ['conditions_false']],
    ]);
  });
});
