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

export interface FiredWorkflow {
  workflow: WorkflowDefinition;
  match: TriggerMatch;
}

/** The enabled workflows of the tenant whose trigger fires on the input and whose conditions hold. */
export function evaluateWorkflows(
  workflows: Iterable<WorkflowDefinition>,
  tenantId: string,
  input: TriggerInput,
): FiredWorkflow[] {
  const fired: FiredWorkflow[] = [];
  for (const workflow of workflows) {
    if (workflow.tenantId !== tenantId || workflow.status !== 'enabled') continue;
    const match = matchTrigger(workflow.trigger, input);
    if (!match) continue;
    const { conditions } = workflow.trigger;
    if (conditions && !evaluateCondition(conditions, input.memory ?? {}).result) continue;
    fired.push({ workflow, match });
  }
  return fired;
}
