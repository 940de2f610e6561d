import type { Trigger, TriggerType, TriggerMatch, WorkflowDefinition, WorkflowStatus } from '@app/contracts';
import { evaluateCondition, type ConditionOutcome } from '../conditions/evaluate-condition';
import { aiIntentTriggerMatcher, aiRequestTriggerMatcher, workflowNameKeyOf } from './ai-decision.trigger';
import { conversationEndTriggerMatcher, failedAnswersTriggerMatcher } from './conversation.trigger';
import { intentTriggerMatcher } from './intent.trigger';
import { noReplyTriggerMatcher } from './no-reply.trigger';
import type { TriggerInput, TriggerMatcher, TriggerOwner } from './trigger-matcher';

export { DEFAULT_AI_CONFIDENCE } from './ai-decision.trigger';
export {
  DEFAULT_INTENT_THRESHOLD,
  MIN_CALIBRATED_THRESHOLD,
  MIN_CALIBRATED_THRESHOLD_SEVERAL_PHRASES,
  intentPhraseIssues,
} from './intent.trigger';
export { judgesWait } from './no-reply.trigger';
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
  no_reply: noReplyTriggerMatcher,
};

export function matchTrigger(trigger: Trigger, input: TriggerInput, owner: TriggerOwner): TriggerMatch | null {
  // The map pairs each type with its matcher; TypeScript cannot see that through the union.
  const matcher = matchers[trigger.type] as TriggerMatcher;
  return matcher(trigger, input, owner);
}

/** What the engine needs of a workflow to decide whether it fires, and in which order. */
export type CandidateWorkflow = Pick<WorkflowDefinition, 'id' | 'name' | 'status' | 'trigger'> &
  Partial<Pick<WorkflowDefinition, 'firing' | 'updatedAt'>>;

export interface FiredWorkflow<W extends CandidateWorkflow> {
  workflow: W;
  match: TriggerMatch;
}

/** Enabled workflows run on every conversation, drafts on preview conversations only. */
export function runsOn(status: WorkflowStatus, conversation: { preview?: boolean }): boolean {
  return status === 'enabled' || (status === 'draft' && conversation.preview === true);
}

/** Why a workflow would or would not fire on an input, for previews. */
export interface WorkflowEvaluation<W extends CandidateWorkflow> {
  workflow: W;
  /**
   * `fired`, or the first reason it did not: its trigger does not apply to the input, scores below
   * its threshold, its conditions are false, another intent workflow is closer to the message or
   * another workflow of the name the AI requested comes first (`outranked`), or it does not run on this conversation (disabled, or a draft outside a preview
   * conversation) but would fire.
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
          : !runsOn(workflow.status, input)
            ? 'disabled'
            : 'fired';
    evaluations.push({ workflow, outcome, match, conditions: conditionOutcome });
  }
  outrankRivals(evaluations, input);
  return evaluations;
}

/**
 * A message means one thing: of the intent workflows that run on the conversation and could fire
 * for this contact, only the closest (highest score) may. When it is below its own threshold, the
 * message is not confidently any of them, and a less close workflow with a looser threshold does
 * not fire instead — that is what keeps messages of intents nobody covers quiet.
 * An AI request runs one workflow too: the one whose id it gives; else, when the name it gives is
 * shared by several workflows that would fire, the one of highest priority (then lowest id), so
 * that same-named workflows can tell cases apart by their conditions without firing together.
 */
function outrankRivals<W extends CandidateWorkflow>(evaluations: WorkflowEvaluation<W>[], input: TriggerInput): void {
  const intents = evaluations.filter((evaluation) => competes(evaluation, input));
  const requested = evaluations.filter(({ match, outcome }) => match?.type === 'ai_request' && outcome === 'fired');
  // A request by id names one workflow exactly: only it may fire (if it does), not workflows merely named like that id.
  const key = input.ai?.requestedWorkflow === undefined ? undefined : workflowNameKeyOf(input.ai.requestedWorkflow);
  const namedById = evaluations.some(
    ({ workflow, match }) => match?.type === 'ai_request' && workflowNameKeyOf(workflow.id) === key,
  );
  const winners = namedById ? requested.filter(({ workflow }) => workflowNameKeyOf(workflow.id) === key) : requested;
  // Of each group only the closest of its possible winners fires.
  const groups: [rivals: WorkflowEvaluation<W>[], winners: WorkflowEvaluation<W>[]][] = [
    [intents, intents],
    [requested, winners],
  ];
  for (const [rivals, winners] of groups) {
    let closest: WorkflowEvaluation<W> | undefined;
    for (const evaluation of winners) {
      if (!closest || closestFirst(evaluation as FiredWorkflow<W>, closest as FiredWorkflow<W>) < 0)
        closest = evaluation;
    }
    for (const evaluation of rivals) {
      if (evaluation !== closest && evaluation.outcome === 'fired') evaluation.outcome = 'outranked';
    }
  }
}

/**
 * Whether an intent workflow takes part in the competition for a message, whatever its score: it
 * runs on the conversation and its conditions hold for the contact. One below its threshold takes
 * part too (the closest decides); one that could not fire here anyway (conditions false, disabled,
 * a draft outside a preview conversation) does not, however close it is.
 */
export function competes(
  { workflow, outcome, match, conditions }: WorkflowEvaluation<CandidateWorkflow>,
  conversation: { preview?: boolean },
): boolean {
  return (
    match?.type === 'intent' &&
    runsOn(workflow.status, conversation) &&
    (conditions === null || conditions.result) &&
    (outcome === 'fired' || outcome === 'outranked' || outcome === 'below_threshold')
  );
}

/**
 * The workflows that run on the conversation (see `runsOn`) whose trigger fires on the input and
 * whose conditions hold for the contact, best match first.
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
  return fired.sort(firingOrder);
}

/**
 * The order in which workflows that fire on the same event fire (and are kept by the per-minute
 * limit): highest priority first, then highest score; ties by workflow id, so that the order is stable.
 */
export function firingOrder<W extends CandidateWorkflow>(a: FiredWorkflow<W>, b: FiredWorkflow<W>): number {
  return priorityOf(b.workflow) - priorityOf(a.workflow) || closestFirst(a, b);
}

/**
 * Which intent a message means: the closest workflow; between equally close ones (the same
 * phrases, say, with different conditions) the higher priority, then the workflow id.
 */
function closestFirst<W extends CandidateWorkflow>(a: FiredWorkflow<W>, b: FiredWorkflow<W>): number {
  return (
    b.match.score - a.match.score ||
    priorityOf(b.workflow) - priorityOf(a.workflow) ||
    a.workflow.id.localeCompare(b.workflow.id)
  );
}

function priorityOf(workflow: CandidateWorkflow): number {
  return workflow.firing?.priority ?? 0;
}
