import type { WorkflowTestCase, WorkflowTestReport } from '@app/contracts';
import type { FiringWorkflow } from '../conversations/firing-policy';
import { firingOutcomeOf, judgeConversation, type JudgeOptions } from '../conversations/judge-conversation';
import { sampleConversationEvents } from '../conversations/sample-conversation';

type CaseResult = WorkflowTestReport['cases'][number];

/**
 * Runs a workflow's saved test cases through the engine, as if it were enabled (tests decide
 * whether it may go live). Each case is judged as one conversation (`judgeConversation`: failed
 * AI answers add up, the end is judged when the case says `ended`, the firing policy applies),
 * its messages one second apart. A case expecting `fire` passes when the workflow really fires on
 * at least one of its events; `no_fire` when on none. `semanticsOf` gives each contact message's
 * vectors (see TriggerInput.semantics), when a model is loaded.
 */
export function runWorkflowTests(
  workflow: FiringWorkflow,
  cases: readonly WorkflowTestCase[],
  options: Pick<JudgeOptions, 'maxPerMinute' | 'semanticsOf'>,
): CaseResult[] {
  const live = { ...workflow, status: 'enabled' as const };
  return cases.map((testCase, index) => {
    const judgements = judgeConversation([live], sampleConversationEvents(testCase), {
      ...options,
      memory: testCase.memory,
    });
    // One judgement per event: the messages in order, then the end.
    const outcomes = judgements.map((judgement) => firingOutcomeOf(judgement, judgement.evaluations[0]!).outcome);
    const firedAt = outcomes.indexOf('fired');
    const fired = firedAt >= 0;
    return {
      index,
      ...(testCase.name ? { name: testCase.name } : {}),
      expect: testCase.expect,
      passed: fired === (testCase.expect === 'fire'),
      firedOnMessage: fired ? firedAt : null,
      outcomes,
    };
  });
}
