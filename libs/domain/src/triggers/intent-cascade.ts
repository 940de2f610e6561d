import { competes, type CandidateWorkflow, type WorkflowEvaluation } from './index';

/**
 * How far below its threshold a workflow's score still leaves intent matching unsure (and the
 * runner-up counts as close to the best within a third of it). On Banking77 (k = 10), a perfect
 * decider asked about the unsure messages only — a third of them at 0.06 — would lift accuracy
 * from 61 % to 87 % at 6.5 % false triggers: docs/intent-matching-research.md, "The cascade".
 */
export const DEFAULT_UNSURE_MARGIN = 0.06;

/** The decider chooses among at most this many workflows, the closest ones: a short prompt, and the right intent is nearly always among them. */
export const MAX_UNSURE_CANDIDATES = 5;

/**
 * The cascade's hand-over from intent matching to an expensive decider (an LLM): the intent
 * workflows to ask it about, closest first, or null when the scores already decide — nothing is
 * within `margin` of its threshold (quiet), or the closest fires and no other is close to it
 * (fires). Unsure: the closest is below its threshold by less than `margin` (a loosely phrased
 * known intent, or an unknown intent next to a known one: only a reader of the words can tell),
 * or it fires but a runner-up near its own threshold scores within `margin / 3` of it.
 * `evaluations` are the intent workflows near the message (see WorkflowIndex.explainNearIntents);
 * only those that compete for it (they run on `conversation` and their conditions hold) take part.
 */
export function unsureIntents<W extends CandidateWorkflow>(
  evaluations: readonly WorkflowEvaluation<W>[],
  margin: number,
  conversation: { preview?: boolean },
): W[] | null {
  const near = evaluations
    .filter(
      (evaluation) =>
        competes(evaluation, conversation) && evaluation.match!.score >= evaluation.match!.threshold - margin,
    )
    .map(({ workflow, match }) => ({ workflow, score: match!.score, threshold: match!.threshold }))
    .sort((a, b) => b.score - a.score || a.workflow.id.localeCompare(b.workflow.id));
  const [closest, runnerUp] = near;
  if (!closest) return null;
  const unsure =
    closest.score < closest.threshold || (runnerUp !== undefined && closest.score - runnerUp.score < margin / 3);
  return unsure ? near.slice(0, MAX_UNSURE_CANDIDATES).map(({ workflow }) => workflow) : null;
}
