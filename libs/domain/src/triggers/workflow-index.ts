import { DEFAULT_INTENT_THRESHOLD, messageWordsOf, phraseWordsOf } from './intent.trigger';
import type { TriggerInput } from './trigger-matcher';
import { evaluateWorkflows, type CandidateWorkflow, type FiredWorkflow } from './index';

/**
 * Candidate lookup for one tenant's enabled workflows, so that the cost per message follows the
 * workflows that could fire on it, not all of them. Exact, by prefix filtering: a phrase of n
 * words with threshold t needs m = ⌈t·n⌉ of them in the message, so a message that contains none
 * of the phrase's n − m + 1 rarest words cannot reach the threshold; only those words are
 * indexed. Workflows of other trigger types, and intent ones that fire at score 0, are always
 * evaluated.
 */
export class WorkflowIndex<W extends CandidateWorkflow> {
  private readonly byWord = new Map<string, W[]>();
  private readonly always: W[] = [];

  constructor(workflows: Iterable<W>) {
    const enabled = [...workflows].filter((workflow) => workflow.status === 'enabled');
    const frequency = new Map<string, number>();
    for (const { trigger } of enabled) {
      if (trigger.type !== 'intent') continue;
      for (const { phraseWords } of phraseWordsOf(trigger.phrases)) {
        for (const word of phraseWords) frequency.set(word, (frequency.get(word) ?? 0) + 1);
      }
    }
    for (const workflow of enabled) {
      const { trigger } = workflow;
      const threshold = trigger.type === 'intent' ? (trigger.threshold ?? DEFAULT_INTENT_THRESHOLD) : 0;
      if (trigger.type !== 'intent' || threshold <= 0) {
        this.always.push(workflow);
        continue;
      }
      const indexed = new Set<string>();
      for (const { phraseWords } of phraseWordsOf(trigger.phrases)) {
        const needed = Math.max(1, Math.ceil(threshold * phraseWords.length - 1e-9));
        const rarestFirst = [...phraseWords].sort((a, b) => (frequency.get(a) ?? 0) - (frequency.get(b) ?? 0));
        for (const word of rarestFirst.slice(0, phraseWords.length - needed + 1)) indexed.add(word);
      }
      for (const word of indexed) {
        const postings = this.byWord.get(word);
        if (postings) postings.push(workflow);
        else this.byWord.set(word, [workflow]);
      }
    }
  }

  /** Same answer as `evaluateWorkflows` over all the workflows, best first. */
  evaluate(input: TriggerInput): FiredWorkflow<W>[] {
    const candidates = new Set(this.always);
    if (input.message?.role === 'contact') {
      for (const word of messageWordsOf(input.message)) {
        for (const workflow of this.byWord.get(word) ?? []) candidates.add(workflow);
      }
    }
    return evaluateWorkflows(candidates, input);
  }
}
