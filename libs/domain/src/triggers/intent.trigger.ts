import type { Trigger } from '@app/contracts';
import { tokenize } from './text-normalization';
import type { TriggerMatcher } from './trigger-matcher';

/** Share of a phrase's meaningful words that must appear in the message when the workflow sets no threshold. */
export const DEFAULT_INTENT_THRESHOLD = 0.75;

type IntentTrigger = Extract<Trigger, { type: 'intent' }>;

/**
 * Scores how much of the meaningful words of its best example phrase a contact's message contains:
 * score = |phrase words ∩ message words| / |phrase words|.
 */
export const intentTriggerMatcher: TriggerMatcher<IntentTrigger> = (trigger, input) => {
  if (input.message === undefined || input.message.role !== 'contact') return null;
  const messageWords = messageWordsOf(input.message);
  const threshold = trigger.threshold ?? DEFAULT_INTENT_THRESHOLD;
  const best = bestPhrase(trigger.phrases, messageWords);
  // A message at least as close to a phrase that must not fire it stays quiet.
  const negative = trigger.negativePhrases ? bestPhrase(trigger.negativePhrases, messageWords) : null;
  if (negative && negative.score >= threshold && negative.score >= best.score) {
    return {
      type: 'intent',
      phrase: best.phrase,
      score: 0,
      threshold,
      detail: `matches the negative phrase "${negative.phrase}"`,
    };
  }
  return { type: 'intent', phrase: best.phrase, score: best.score, threshold };
};

function bestPhrase(phrases: readonly string[], messageWords: Set<string>): { phrase: string; score: number } {
  let best = { phrase: '', score: 0 };
  for (const { phrase, phraseWords } of phraseWordsOf(phrases)) {
    if (phraseWords.length === 0) continue;
    const score = phraseWords.filter((word) => messageWords.has(word)).length / phraseWords.length;
    if (score > best.score) best = { phrase, score };
  }
  return best;
}

// A message is tokenized once per event, however many workflows look at it.
const tokenizedMessages = new WeakMap<object, Set<string>>();

export function messageWordsOf(message: { text: string }): Set<string> {
  let words = tokenizedMessages.get(message);
  if (!words) {
    words = new Set(tokenize(message.text));
    tokenizedMessages.set(message, words);
  }
  return words;
}

// Phrases are tokenized once per definition, not once per message.
const tokenizedPhrases = new WeakMap<readonly string[], { phrase: string; phraseWords: string[] }[]>();

export function phraseWordsOf(phrases: readonly string[]): { phrase: string; phraseWords: string[] }[] {
  let tokenized = tokenizedPhrases.get(phrases);
  if (!tokenized) {
    tokenized = phrases.map((phrase) => ({ phrase, phraseWords: [...new Set(tokenize(phrase))] }));
    tokenizedPhrases.set(phrases, tokenized);
  }
  return tokenized;
}
