import type { Trigger, TriggerType, TriggerMatch, WorkflowDefinition } from '@app/contracts';
import { evaluateCondition } from '../conditions/evaluate-condition';
import { intentTriggerMatcher } from './intent.trigger';
import type { TriggerInput, TriggerMatcher } from './trigger-matcher';

export { DEFAULT_INTENT_THRESHOLD } from './intent.trigger';
export { tokenize } from './text-normalization';
export type { TriggerInput, TriggerMatcher } from './trigger-matcher';

/** Exactly one matcher per trigger type: the compiler refuses a type without one. */
const matchers: { [K in TriggerType]: TriggerMatcher<Extract<Trigger, { type: K }>> } = {
  intent: intentTriggerMatcher,
};

export function matchTrigger(trigger: Trigger, input: TriggerInput): TriggerMatch | null {
  return matchers[trigger.type](trigger, input);
}

/** What the engine needs of a workflow to decide whether it fires. */
export type CandidateWorkflow = Pick<WorkflowDefinition, 'id' | 'status' | 'trigger'>;

export interface FiredWorkflow<W extends CandidateWorkflow> {
  workflow: W;
  match: TriggerMatch;
}

/**
 * The enabled workflows whose trigger fires on the input and whose conditions hold for the
 * contact, best match first (highest score; ties by id, so the order is stable).
 */
export function evaluateWorkflows<W extends CandidateWorkflow>(
  workflows: Iterable<W>,
  input: TriggerInput,
): FiredWorkflow<W>[] {
  const fired: FiredWorkflow<W>[] = [];
  for (const workflow of workflows) {
    if (workflow.status !== 'enabled') continue;
    const match = matchTrigger(workflow.trigger, input);
    if (!match) continue;
    const { conditions } = workflow.trigger;
    if (conditions && !evaluateCondition(conditions, input.memory ?? {}).result) continue;
    fired.push({ workflow, match });
  }
  return fired.sort((a, b) => b.match.score - a.match.score || a.workflow.id.localeCompare(b.workflow.id));
}
