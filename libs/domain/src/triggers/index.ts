import type { Trigger, TriggerKind, TriggerMatch, WorkflowDefinition } from '@app/contracts';
import { intentTriggerMatcher } from './intent.trigger';
import type { TriggerInput, TriggerMatcher } from './trigger-matcher';

export { DEFAULT_INTENT_THRESHOLD } from './intent.trigger';
export { tokenize } from './text-normalization';
export type { TriggerInput, TriggerMatcher } from './trigger-matcher';

/** Exactly one matcher per trigger kind: the compiler refuses a kind without one. */
const matchers: { [K in TriggerKind]: TriggerMatcher<Extract<Trigger, { kind: K }>> } = {
  intent: intentTriggerMatcher,
};

export function matchTrigger(trigger: Trigger, input: TriggerInput): TriggerMatch | null {
  return matchers[trigger.kind](trigger, input);
}

export interface FiredWorkflow {
  workflow: WorkflowDefinition;
  match: TriggerMatch;
}

/** The enabled workflows of the tenant whose trigger fires on the input. */
export function evaluateWorkflows(
  workflows: Iterable<WorkflowDefinition>,
  tenantId: string,
  input: TriggerInput,
): FiredWorkflow[] {
  const fired: FiredWorkflow[] = [];
  for (const workflow of workflows) {
    if (workflow.tenantId !== tenantId || workflow.status !== 'enabled') continue;
    const match = matchTrigger(workflow.trigger, input);
    if (match) fired.push({ workflow, match });
  }
  return fired;
}
