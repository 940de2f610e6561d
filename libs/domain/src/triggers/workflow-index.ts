import { phraseKeyOf, thresholdOf, wordKeyOf } from './intent.trigger';
import { PhraseSearch } from './phrase-search';
import type { PhraseVectors } from './sentence-encoder';
import type { TriggerInput } from './trigger-matcher';
import { evaluateWorkflows, type CandidateWorkflow, type FiredWorkflow } from './index';

/**
 * Candidate lookup for one tenant's enabled workflows, so that the cost per message follows the
 * workflows that could fire on it, not all of them. Intent workflows are candidates when one of
 * their phrases has the same words as the message (a hash lookup), or when the phrase search
 * finds one of their phrases at least as similar as the lowest threshold of the tenant's intent
 * workflows: an intent score (the mean of the two best similarities) cannot exceed the best one,
 * so any workflow that could fire — or outrank one that fires — is among them. Workflows of
 * other trigger types, and intent ones that fire at any score (threshold 0), are always evaluated.
 */
export class WorkflowIndex<W extends CandidateWorkflow> {
  private readonly always: W[] = [];
  private readonly bySameWords = new Map<string, W[]>();
  private readonly phraseSearch: PhraseSearch<W> | undefined;

  /** `phraseVectors` holds a vector for every phrase of the intent workflows; without it only same-word matches fire. */
  constructor(workflows: Iterable<W>, phraseVectors?: PhraseVectors) {
    const intentPhrases: { phrase: string; workflow: W }[] = [];
    let lowestThreshold = Infinity;
    for (const workflow of workflows) {
      if (workflow.status !== 'enabled') continue;
      const { trigger } = workflow;
      const threshold = trigger.type === 'intent' ? thresholdOf(trigger, phraseVectors) : 0;
      if (trigger.type !== 'intent' || threshold <= 0) {
        this.always.push(workflow);
        continue;
      }
      lowestThreshold = Math.min(lowestThreshold, threshold);
      for (const phrase of trigger.phrases) {
        intentPhrases.push({ phrase, workflow });
        const key = phraseKeyOf(phrase);
        if (key === '') continue;
        const sameWords = this.bySameWords.get(key);
        if (!sameWords) this.bySameWords.set(key, [workflow]);
        else if (!sameWords.includes(workflow)) sameWords.push(workflow);
      }
    }
    if (phraseVectors && intentPhrases.length > 0) {
      this.phraseSearch = new PhraseSearch(
        intentPhrases.map(({ phrase, workflow }) => {
          const vector = phraseVectors.get(phrase);
          if (!vector) throw new Error(`no vector for the intent phrase "${phrase}"`);
          return { vector, owner: workflow, threshold: lowestThreshold };
        }),
      );
    }
  }

  /**
   * Whether `evaluate` would compare the message by meaning, so whether the caller should embed
   * it: a contact message, intent workflows with vectors, and no phrase with the message's very
   * words (that one scores 1 and wins anyway). Embedding is the expensive step; this skips it
   * for AI and agent messages, tenants without intent workflows and exact repeats.
   */
  wantsMessageVector(input: TriggerInput): boolean {
    return (
      this.phraseSearch !== undefined &&
      input.message?.role === 'contact' &&
      !this.bySameWords.has(wordKeyOf(input.message))
    );
  }

  /** The workflows that fire, best first: the same as `evaluateWorkflows` over all of them, up to the phrase search's recall. */
  evaluate(input: TriggerInput): FiredWorkflow<W>[] {
    const candidates = new Set(this.always);
    if (input.message?.role === 'contact') {
      for (const workflow of this.bySameWords.get(wordKeyOf(input.message)) ?? []) candidates.add(workflow);
      if (input.semantics && this.phraseSearch) {
        for (const workflow of this.phraseSearch.ownersAtThreshold(input.semantics.message)) candidates.add(workflow);
      }
    }
    return evaluateWorkflows(candidates, input);
  }
}
