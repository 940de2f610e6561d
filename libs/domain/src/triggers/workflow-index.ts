import { aiIntentKeyOf, workflowNameKeyOf } from './ai-decision.trigger';
import { correctedWordKeyOf, correctedWordKeysOf, phraseKeyOf, thresholdOf } from './intent.trigger';
import { PhraseSearch } from './phrase-search';
import type { PhraseVectors } from './sentence-encoder';
import { PhraseVocabulary } from './text-normalization';
import type { TriggerInput } from './trigger-matcher';
import {
  evaluateWorkflows,
  explainWorkflows,
  type CandidateWorkflow,
  type FiredWorkflow,
  type WorkflowEvaluation,
} from './index';

/** Scores are rounded to 4 decimals before they meet thresholds: similarities get that much slack. */
const ROUNDING = 1e-4;

/**
 * Candidate lookup for one tenant's enabled workflows, so that the cost per message follows the
 * workflows that could fire on it, not all of them. An intent score (mean of the two best
 * similarities) never exceeds the best similarity, so:
 * 1. workflows with a phrase of the message's very words (a hash lookup), and those with a phrase
 *    at least as similar as their threshold, are the ones that can fire;
 * 2. if one fires, a workflow can only outrank it (see explainWorkflows) with a phrase at least
 *    as similar as its score; those are added.
 * AI-decision workflows are looked up by what the AI detected (`ai_intent`) or asked for
 * (`ai_request`). Workflows of other trigger types are always evaluated.
 */
export class WorkflowIndex<W extends CandidateWorkflow> {
  private readonly always: W[] = [];
  private readonly bySameWords = new Map<string, W[]>();
  /** `ai_intent` workflows under each of their intents' keys. */
  private readonly byAiIntent = new Map<string, W[]>();
  /** `ai_request` workflows under their id and their name's key, the two ways the AI may name them. */
  private readonly byAiRequest = new Map<string, W[]>();
  private readonly thresholds = new Map<W, number>();
  private readonly lowestThreshold: number = Infinity;
  private readonly phraseSearch: PhraseSearch<W> | undefined;
  /** The words of every indexed phrase: a message's typos are corrected towards them for the same-words lookup. */
  private readonly vocabulary: PhraseVocabulary;

  /** `phraseVectors` holds a vector for every phrase of the intent workflows; without it only same-word matches fire. */
  constructor(workflows: Iterable<W>, phraseVectors?: PhraseVectors) {
    const intentPhrases: { phrase: string; workflow: W }[] = [];
    for (const workflow of workflows) {
      if (workflow.status !== 'enabled') continue;
      const { trigger } = workflow;
      if (trigger.type === 'ai_intent') {
        for (const intent of trigger.intents) fileUnder(this.byAiIntent, aiIntentKeyOf(intent), workflow);
        continue;
      }
      if (trigger.type === 'ai_request') {
        // Both keyed as the matcher compares them (case aside): an id typed in another case matches.
        fileUnder(this.byAiRequest, workflowNameKeyOf(workflow.id), workflow);
        fileUnder(this.byAiRequest, workflowNameKeyOf(workflow.name), workflow);
        continue;
      }
      if (trigger.type !== 'intent') {
        this.always.push(workflow);
        continue;
      }
      const threshold = thresholdOf(trigger, phraseVectors);
      this.thresholds.set(workflow, threshold);
      this.lowestThreshold = Math.min(this.lowestThreshold, threshold);
      for (const phrase of trigger.phrases) {
        intentPhrases.push({ phrase, workflow });
        const key = phraseKeyOf(phrase);
        if (key !== '') fileUnder(this.bySameWords, key, workflow);
      }
    }
    this.vocabulary = new PhraseVocabulary(intentPhrases.map(({ phrase }) => phrase));
    if (phraseVectors && intentPhrases.length > 0) {
      this.phraseSearch = new PhraseSearch(
        intentPhrases.map(({ phrase, workflow }) => {
          const vector = phraseVectors.get(phrase);
          if (!vector) throw new Error(`no vector for the intent phrase "${phrase}"`);
          return { vector, owner: workflow };
        }),
      );
    }
  }

  /**
   * Whether `evaluate` would compare the message by meaning, so whether the caller should embed
   * it: a contact message, intent workflows with vectors, and no workflow that fires on the
   * message's very words (it scores 1 and wins anyway; one whose conditions are false for this
   * contact does not, and then the others are compared by meaning). Embedding is the expensive
   * step; this skips it for AI and agent messages, tenants without intent workflows and exact repeats.
   */
  wantsMessageVector(input: TriggerInput): boolean {
    if (this.phraseSearch === undefined || input.message?.role !== 'contact') return false;
    const sameWords = this.sameWordsAs(input.message);
    return sameWords.length === 0 || evaluateWorkflows(sameWords, input).length === 0;
  }

  /** The workflows that fire, best first: the same as `evaluateWorkflows` over all of them, up to the phrase search's recall. */
  evaluate(input: TriggerInput): FiredWorkflow<W>[] {
    const candidates = new Set([...this.always, ...this.aiDecided(input)]);
    if (input.message?.role !== 'contact') return evaluateWorkflows(candidates, input);
    for (const workflow of this.sameWordsAs(input.message)) candidates.add(workflow);
    const vector = input.semantics?.message;
    if (!vector || !this.phraseSearch) return evaluateWorkflows(candidates, input);
    const near = this.phraseSearch.nearOwners(vector, this.lowestThreshold - ROUNDING);
    for (const [workflow, similarity] of near) {
      if (similarity >= this.thresholds.get(workflow)! - ROUNDING) candidates.add(workflow);
    }
    const fired = evaluateWorkflows(candidates, input);
    const best = fired.find(({ match }) => match.type === 'intent');
    if (!best) return fired;
    const before = candidates.size;
    for (const [workflow, similarity] of near) {
      if (similarity >= best.match.score - ROUNDING) candidates.add(workflow);
    }
    return candidates.size === before ? fired : evaluateWorkflows(candidates, input);
  }

  /**
   * The intent workflows within `margin` of their threshold on a contact message, explained: what
   * the cascade's unsure check (unsureIntents) looks at. A score never exceeds the best phrase
   * similarity, so the workflows with a phrase at least threshold − margin similar are all of them.
   */
  explainNearIntents(input: TriggerInput, margin: number): WorkflowEvaluation<W>[] {
    if (input.message?.role !== 'contact') return [];
    const candidates = new Set([
      ...this.always.filter(({ trigger }) => trigger.type === 'intent'),
      ...this.sameWordsAs(input.message),
    ]);
    const vector = input.semantics?.message;
    if (vector && this.phraseSearch) {
      for (const [workflow, similarity] of this.phraseSearch.nearOwners(
        vector,
        this.lowestThreshold - margin - ROUNDING,
      )) {
        if (similarity >= this.thresholds.get(workflow)! - margin - ROUNDING) candidates.add(workflow);
      }
    }
    return explainWorkflows(candidates, input);
  }

  /** The AI-decision workflows the input's annotations name: the only ones of those types that can fire. */
  private aiDecided({ ai }: TriggerInput): W[] {
    const byIntent = ai?.intent === undefined ? [] : (this.byAiIntent.get(aiIntentKeyOf(ai.intent)) ?? []);
    const requested = ai?.requestedWorkflow;
    if (requested === undefined) return byIntent;
    return [...byIntent, ...(this.byAiRequest.get(workflowNameKeyOf(requested)) ?? [])];
  }

  /**
   * Intent workflows that may have a phrase of the message's very words (normalising the text only
   * when some phrase could). First the key with each word read as the phrase word it is, or its
   * only typo reading (the cheap lookup most messages need); only when no workflow has that key,
   * every reading of each word
   * (correctedWordKeysOf): a typo as close to words of two workflows, or a word one workflow
   * spells exactly that is another's typo. The matcher then corrects towards each workflow's own
   * words, as previews do.
   */
  private sameWordsAs(message: { text: string }): W[] {
    if (this.bySameWords.size === 0) return [];
    const key = correctedWordKeyOf(message, this.vocabulary);
    const exact = key === undefined ? undefined : this.bySameWords.get(key);
    if (exact) return exact;
    const found = new Set<W>();
    for (const reading of correctedWordKeysOf(message, this.vocabulary)) {
      for (const workflow of this.bySameWords.get(reading) ?? []) found.add(workflow);
    }
    return [...found];
  }
}

function fileUnder<W>(map: Map<string, W[]>, key: string, workflow: W): void {
  const filed = map.get(key);
  if (!filed) map.set(key, [workflow]);
  else if (!filed.includes(workflow)) filed.push(workflow);
}
