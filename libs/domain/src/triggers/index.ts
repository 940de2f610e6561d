import type { Trigger, TriggerType, TriggerMatch, WorkflowDefinition } from '@app/contracts';
import { evaluateCondition, type ConditionOutcome } from '../conditions/evaluate-condition';
import { aiIntentTriggerMatcher, aiRequestTriggerMatcher } from './ai-decision.trigger';
import { conversationEndTriggerMatcher, failedAnswersTriggerMatcher } from './conversation.trigger';
import { intentTriggerMatcher } from './intent.trigger';
import type { TriggerInput, TriggerMatcher, TriggerOwner } from './trigger-matcher';

export { DEFAULT_AI_CONFIDENCE } from './ai-decision.trigger';
export { DEFAULT_INTENT_THRESHOLD, MIN_CALIBRATED_THRESHOLD } from './intent.trigger';
export { tokenize } from './text-normalization';
export { cosine, type IntentSemantics, type PhraseVectors, type SentenceEncoder } from './sentence-encoder';
export type { TriggerInput, TriggerMatcher, TriggerOwner } from './trigger-matcher';

/** Exactly one matcher per trigger type: the compiler refuses a type without one. */
const matchers: { [K in TriggerType]: TriggerMatcher<Extract<Trigger, { type: K }>> } = {
  intent: intentTriggerMatcher,
  ai_intent: aiIntentTriggerMatcher,
  ai_request: aiRequestTriggerMatcher,
  failed_answers: failedAnswersTriggerMatcher,
  conversation_end: conversationEndTriggerMatcher,
};

export function matchTrigger(trigger: Trigger, input: TriggerInput, owner: TriggerOwner): TriggerMatch | null {
  // The map pairs each type with its matcher; TypeScript cannot see that through the union.
  const matcher = matchers[trigger.type] as TriggerMatcher;
  return matcher(trigger, input, owner);
}

/** What the engine needs of a workflow to decide whether it fires. */
export type CandidateWorkflow = Pick<WorkflowDefinition, 'id' | 'name' | 'status' | 'trigger'>;

export interface FiredWorkflow<W extends CandidateWorkflow> {
  workflow: W;
  match: TriggerMatch;
}

/** Why a workflow would or would not fire on an input, for previews. */
export interface WorkflowEvaluation<W extends CandidateWorkflow> {
  workflow: W;
  /**
   * `fired`, or the first reason it did not: its trigger does not apply to the input, scores below
   * its threshold, its conditions are false, another intent workflow is closer to the message
   * (`outranked`), or it is disabled (but would fire).
   */
  outcome: 'fired' | 'not_applicable' | 'below_threshold' | 'conditions_false' | 'outranked' | 'disabled';
  match: TriggerMatch | null;
  conditions: ConditionOutcome | null;
}

/** Evaluates every workflow, disabled ones included, and says why each would fire or not. */
export function explainWorkflows<W extends CandidateWorkflow>(
  workflows: Iterable<W>,
  input: TriggerInput,
): WorkflowEvaluation<W>[] {
  const evaluations: WorkflowEvaluation<W>[] = [];
  for (const workflow of workflows) {
    const match = matchTrigger(workflow.trigger, input, workflow);
    const { conditions } = workflow.trigger;
    const conditionOutcome = conditions ? evaluateCondition(conditions, input.memory ?? {}) : null;
    const outcome: WorkflowEvaluation<W>['outcome'] = !match
      ? 'not_applicable'
      : match.score < match.threshold
        ? 'below_threshold'
        : conditionOutcome && !conditionOutcome.result
          ? 'conditions_false'
          : workflow.status !== 'enabled'
            ? 'disabled'
            : 'fired';
    evaluations.push({ workflow, outcome, match, conditions: conditionOutcome });
  }
  outrankIntents(evaluations);
  return evaluations;
}

/**
 * A message means one thing: of the enabled intent workflows that could fire for this contact,
 * only the closest (highest score) may. When it is below its own threshold, the message is not
 * confidently any of them, and a less close workflow with a looser threshold does not fire
 * instead — that is what keeps messages of intents nobody covers quiet.
 */
function outrankIntents<W extends CandidateWorkflow>(evaluations: WorkflowEvaluation<W>[]): void {
  let closest: WorkflowEvaluation<W> | undefined;
  for (const evaluation of evaluations) {
    if (!competes(evaluation)) continue;
    if (!closest || bestFirst(evaluation as FiredWorkflow<W>, closest as FiredWorkflow<W>) < 0) closest = evaluation;
  }
  for (const evaluation of evaluations) {
    if (evaluation !== closest && competes(evaluation) && evaluation.outcome === 'fired')
      evaluation.outcome = 'outranked';
  }
}

function competes({ workflow, outcome, match }: WorkflowEvaluation<CandidateWorkflow>): boolean {
  return (
    match?.type === 'intent' && workflow.status === 'enabled' && (outcome === 'fired' || outcome === 'below_threshold')
  );
}

/**
 * The enabled workflows whose trigger fires on the input and whose conditions hold for the
 * contact, best match first.
 */
export function evaluateWorkflows<W extends CandidateWorkflow>(
  workflows: Iterable<W>,
  input: TriggerInput,
): FiredWorkflow<W>[] {
  return firedOf(explainWorkflows(workflows, input));
}

/** The evaluations whose outcome is `fired`, best first. */
export function firedOf<W extends CandidateWorkflow>(
  evaluations: readonly WorkflowEvaluation<W>[],
): FiredWorkflow<W>[] {
  const fired: FiredWorkflow<W>[] = [];
  for (const { workflow, outcome, match } of evaluations) {
    if (outcome === 'fired' && match) fired.push({ workflow, match });
  }
  return fired.sort(bestFirst);
}

/** Highest score first; ties by workflow id, so that the order is stable. */
function bestFirst<W extends CandidateWorkflow>(a: FiredWorkflow<W>, b: FiredWorkflow<W>): number {
  return b.match.score - a.match.score || a.workflow.id.localeCompare(b.workflow.id);
}
