import type { Trigger, TriggerMatch } from '@app/contracts';
import { cosine, type IntentSemantics } from './sentence-encoder';
import { tokenize } from './text-normalization';
import type { TriggerMatcher } from './trigger-matcher';

/**
 * Score an intent trigger fires at when the workflow sets no threshold: the similarity (mean of
 * the two best phrase cosines, bge-small-en-v1.5) at which 10 % of messages of intents that no
 * workflow covers still fire, calibrated on held-out Banking77 train rows — see
 * docs/intent-matching-research.md. Raise it for fewer false triggers, lower it to catch more.
 */
export const DEFAULT_INTENT_THRESHOLD = 0.88;

type IntentTrigger = Extract<Trigger, { type: 'intent' }>;

/**
 * A cascade, cheapest first:
 * 1. a message with the same meaningful words as a phrase (after normalisation: case,
 *    punctuation, contractions, filler words, inflection) scores 1 — no model needed;
 * 2. otherwise, with the sentence vectors at hand, score = mean of the two best phrase cosines
 *    (the best one when there is only one phrase): one lucky phrase weighs less than two that agree;
 * 3. without vectors (no model loaded) nothing but stage 1 can fire.
 * A message closer to a negative phrase than to every example phrase stays quiet.
 */
export const intentTriggerMatcher: TriggerMatcher<IntentTrigger> = (trigger, input) => {
  if (input.message === undefined || input.message.role !== 'contact') return null;
  const threshold = trigger.threshold ?? DEFAULT_INTENT_THRESHOLD;
  const messageKey = wordKeyOf(input.message);
  const hasSameWords = (phrase: string) => messageKey !== '' && phraseKeyOf(phrase) === messageKey;
  const sameWordsNegative = trigger.negativePhrases?.find(hasSameWords);
  if (sameWordsNegative !== undefined) return quiet(trigger.phrases[0]!, threshold, sameWordsNegative);
  const sameWords = trigger.phrases.find(hasSameWords);
  if (sameWords !== undefined) return { type: 'intent', phrase: sameWords, score: 1, threshold };
  if (!input.semantics) {
    return {
      type: 'intent',
      phrase: trigger.phrases[0]!,
      score: 0,
      threshold,
      detail: 'no sentence vectors: only a phrase with the same words matches',
    };
  }
  const similarities = trigger.phrases
    .map((phrase) => ({ phrase, similarity: similarityTo(phrase, input.semantics!) }))
    .sort((a, b) => b.similarity - a.similarity);
  const [best, second] = similarities as [(typeof similarities)[0], ...typeof similarities];
  const score = second ? (best.similarity + second.similarity) / 2 : best.similarity;
  for (const phrase of trigger.negativePhrases ?? []) {
    if (similarityTo(phrase, input.semantics) >= best.similarity) return quiet(best.phrase, threshold, phrase);
  }
  return { type: 'intent', phrase: best.phrase, score: round(score), threshold };
};

function quiet(phrase: string, threshold: number, negativePhrase: string): TriggerMatch {
  return { type: 'intent', phrase, score: 0, threshold, detail: `matches the negative phrase "${negativePhrase}"` };
}

function similarityTo(phrase: string, semantics: IntentSemantics): number {
  const vector = semantics.phrases.get(phrase);
  // The caller embeds every phrase of the workflows it evaluates; a gap is a bug, not a low score.
  if (!vector) throw new Error(`no vector for the intent phrase "${phrase}"`);
  return cosine(semantics.message, vector);
}

/** Scores are shown to authors and compared with thresholds they type: 4 decimals is plenty. */
function round(score: number): number {
  return Math.round(score * 10_000) / 10_000;
}

// A message is normalised once per event, however many workflows look at it.
const messageKeys = new WeakMap<object, string>();

/** The message's meaningful words, normalised, as one comparable string. */
export function wordKeyOf(message: { text: string }): string {
  let key = messageKeys.get(message);
  if (key === undefined) {
    key = keyOf(message.text);
    messageKeys.set(message, key);
  }
  return key;
}

// Phrases are normalised once per distinct text, not once per message.
const phraseKeys = new Map<string, string>();
const MAX_CACHED_PHRASE_KEYS = 100_000;

export function phraseKeyOf(phrase: string): string {
  let key = phraseKeys.get(phrase);
  if (key === undefined) {
    key = keyOf(phrase);
    if (phraseKeys.size >= MAX_CACHED_PHRASE_KEYS) phraseKeys.clear();
    phraseKeys.set(phrase, key);
  }
  return key;
}

function keyOf(text: string): string {
  return [...new Set(tokenize(text))].sort().join(' ');
}
