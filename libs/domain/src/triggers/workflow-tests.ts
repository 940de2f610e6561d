import type { WorkflowTestCase, WorkflowTestReport } from '@app/contracts';
import { explainWorkflows, type CandidateWorkflow } from './index';
import type { IntentSemantics } from './sentence-encoder';

type CaseResult = WorkflowTestReport['cases'][number];

/**
 * Runs a workflow's saved test cases through the engine, as if it were enabled (tests decide
 * whether it may go live). A case expecting `fire` passes when the workflow fires on at least one
 * of its messages; `no_fire` when on none. Messages are judged one by one, like a preview.
 * `semanticsOf` gives each contact message's vectors (see TriggerInput.semantics), when a model is loaded.
 */
export function runWorkflowTests(
  workflow: CandidateWorkflow,
  cases: readonly WorkflowTestCase[],
  semanticsOf: (text: string) => IntentSemantics | undefined = () => undefined,
): CaseResult[] {
  const live = { ...workflow, status: 'enabled' as const };
  return cases.map((testCase, index) => {
    const outcomes = testCase.messages.map(
      (message) =>
        explainWorkflows([live], {
          message: { role: message.role ?? 'contact', text: message.text },
          ai: message.ai,
          memory: testCase.memory,
          semantics: semanticsOf(message.text),
        })[0]!.outcome,
    );
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
