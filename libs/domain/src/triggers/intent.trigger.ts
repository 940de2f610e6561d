import type { Trigger, TriggerMatch, ValidationIssue } from '@app/contracts';
import { deniedWords, hasNegation } from './negation';
import { cosine, type PhraseVectors } from './sentence-encoder';
import { meaningfulWords, PhraseVocabulary, stem, tokenize, words } from './text-normalization';
import type { TriggerMatcher } from './trigger-matcher';

/**
 * Threshold of a workflow that sets none and has a single phrase (or is matched without sentence
 * vectors, where only a same-words match, score 1, can fire): the score (bge-small-en-v1.5) at
 * which 10 % of the messages of intents no workflow covers still fire, on held-out Banking77
 * train rows — see docs/intent-matching-research.md.
 */
export const DEFAULT_INTENT_THRESHOLD = 0.88;

/**
 * A workflow with several phrases and no threshold calibrates its own: a message fires when it
 * scores at least what the workflow's examples score against one another (each phrase scored
 * as a message against the others, averaged). Tight examples ask for close paraphrases, varied
 * ones accept looser ones. Never below a floor: examples less alike than that say little about
 * one another. With two phrases the score is the mean of both; with three or more it is the mean
 * of the best two of several, which chance lifts the more phrases there are, so the floor is
 * higher there (measured over 12 splits of Banking77's intents into known and unknown ones: at
 * 0.80, 3 to 7 phrases let 16-26 % of unknown-intent messages fire; see
 * docs/intent-matching-research.md).
 */
export const MIN_CALIBRATED_THRESHOLD = 0.8;
export const MIN_CALIBRATED_THRESHOLD_SEVERAL_PHRASES = 0.85;

/**
 * The lowest threshold that applies: a quiet match (a negative phrase, a denial, no vector) scores
 * 0, and must not fire on an author's threshold of 0.
 */
export const MIN_INTENT_THRESHOLD = 0.01;

type IntentTrigger = Extract<Trigger, { type: 'intent' }>;

/**
 * A cascade, cheapest first:
 * 1. a message with the same meaningful words as a phrase (after normalisation: case,
 *    punctuation, contractions, filler words, inflection, and typos corrected towards the words
 *    of the trigger's phrases) scores 1 — no model needed;
 * 2. otherwise, with the sentence vectors at hand, score = mean of the two best phrase cosines
 *    (the best one when there is only one phrase): one lucky phrase weighs less than two that
 *    agree; it fires at the workflow's threshold, or one calibrated on its phrases (thresholdOf);
 * 3. without the message's vector (no model loaded, or stage 1 matched another workflow) nothing
 *    but stage 1 can fire.
 * A message closer to a negative phrase than to every example phrase stays quiet, and so does
 * one that denies what the phrases ask for ("I don't want to cancel"), unless they are negations themselves.
 */
export const intentTriggerMatcher: TriggerMatcher<IntentTrigger> = (trigger, input) => {
  if (input.message === undefined || input.message.role !== 'contact') return null;
  const threshold = thresholdOf(trigger, input.semantics?.phrases);
  const vocabulary = vocabularyOf(trigger);
  const messageKey = correctedWordKeyOf(input.message, vocabulary);
  const hasSameWords = (phrase: string) => messageKey !== undefined && phraseKeyOf(phrase) === messageKey;
  const sameWordsNegative = trigger.negativePhrases?.find(hasSameWords);
  if (sameWordsNegative !== undefined) return quiet(trigger.phrases[0]!, threshold, sameWordsNegative);
  // The author's negative phrases explain a quiet message first, a denial found in it second.
  const denial = (phrase: string): TriggerMatch | null => {
    const denied = deniedPhraseWord(trigger.phrases, vocabulary, input.message!);
    return denied === undefined
      ? null
      : { type: 'intent', phrase, score: 0, threshold, detail: `the message denies "${denied}"` };
  };
  const sameWords = trigger.phrases.find(hasSameWords);
  if (sameWords !== undefined) return denial(sameWords) ?? { type: 'intent', phrase: sameWords, score: 1, threshold };
  const { message, phrases } = input.semantics ?? {};
  if (!message || !phrases) {
    return {
      type: 'intent',
      phrase: trigger.phrases[0]!,
      score: 0,
      threshold,
      detail: 'message not embedded: only a phrase with the same words matches',
    };
  }
  const { phrase, best, score } = scoreAgainst(message, trigger.phrases, phrases);
  for (const negative of trigger.negativePhrases ?? []) {
    if (cosine(message, vectorOf(negative, phrases)) >= best) return quiet(phrase, threshold, negative);
  }
  return denial(phrase) ?? { type: 'intent', phrase, score: round(score), threshold };
};

/** Mean of the two best similarities of the message to the phrases (the best one alone when there is one phrase). */
function scoreAgainst(
  message: Float32Array,
  phrases: readonly string[],
  vectors: PhraseVectors,
): { phrase: string; best: number; score: number } {
  let phrase = phrases[0]!;
  let best = -Infinity;
  let second = -Infinity;
  for (const candidate of phrases) {
    const similarity = cosine(message, vectorOf(candidate, vectors));
    if (similarity > best) {
      second = best;
      best = similarity;
      phrase = candidate;
    } else if (similarity > second) second = similarity;
  }
  return { phrase, best, score: second === -Infinity ? best : (best + second) / 2 };
}

// Calibrated once per phrase list and its vectors, not once per message, nor again when only
// other workflows changed (a new vector map then holds the same vector objects for these phrases).
const calibratedThresholds = new WeakMap<readonly string[], { vectors: Float32Array[]; threshold: number }>();

/** The threshold a trigger fires at: its own, else calibrated on its phrases (see MIN_CALIBRATED_THRESHOLD). */
export function thresholdOf(trigger: IntentTrigger, vectors: PhraseVectors | undefined): number {
  if (trigger.threshold !== undefined) return Math.max(trigger.threshold, MIN_INTENT_THRESHOLD);
  if (!vectors || trigger.phrases.length < 2) return DEFAULT_INTENT_THRESHOLD;
  const phraseVectors = trigger.phrases.map((phrase) => vectorOf(phrase, vectors));
  const cached = calibratedThresholds.get(trigger.phrases);
  if (cached && cached.vectors.every((vector, index) => vector === phraseVectors[index])) return cached.threshold;
  // Rewordings with the same meaningful words ("please cancel my subscription", "I want to cancel
  // my subscription") score each other near 1: counted as one, or they would lift the threshold
  // above the paraphrases the author meant them to cover.
  const phrases = distinctByKey(trigger.phrases);
  const threshold = phrases.length < 2 ? DEFAULT_INTENT_THRESHOLD : calibrateOn(phrases, vectors);
  calibratedThresholds.set(trigger.phrases, { vectors: phraseVectors, threshold });
  return threshold;
}

/** Each phrase scored as a message against the others, averaged; at least the floor for their number. */
function calibrateOn(phrases: readonly string[], vectors: PhraseVectors): number {
  let sum = 0;
  phrases.forEach((phrase, index) => {
    const others = phrases.filter((_, other) => other !== index);
    sum += scoreAgainst(vectorOf(phrase, vectors), others, vectors).score;
  });
  const floor = phrases.length >= 3 ? MIN_CALIBRATED_THRESHOLD_SEVERAL_PHRASES : MIN_CALIBRATED_THRESHOLD;
  return Math.max(floor, round(sum / phrases.length));
}

/** The first phrase of each set of meaningful words (phraseKeyOf); phrases without any are kept. */
function distinctByKey(phrases: readonly string[]): string[] {
  const seen = new Set<string>();
  return phrases.filter((phrase) => {
    const key = phraseKeyOf(phrase);
    if (key === '') return true;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// Per phrase list (definitions are immutable): the words a denial is checked against.
const deniableWords = new WeakMap<readonly string[], ReadonlySet<string>>();
// Per message, however many workflows look at it.
const messageDenials = new WeakMap<object, ReadonlySet<string>>();

/**
 * A meaningful word of the phrases that the message denies, a misspelt one read as the phrase word
 * it is a typo of ("I don't want to cancle"); never for phrases that are negations themselves.
 */
function deniedPhraseWord(
  phrases: readonly string[],
  vocabulary: PhraseVocabulary,
  message: { text: string },
): string | undefined {
  let denials = messageDenials.get(message);
  if (denials === undefined) {
    denials = deniedWords(message.text);
    messageDenials.set(message, denials);
  }
  if (denials.size === 0) return undefined;
  let deniable = deniableWords.get(phrases);
  if (deniable === undefined) {
    deniable = phrases.some(hasNegation) ? new Set() : new Set(phrases.flatMap(tokenize));
    deniableWords.set(phrases, deniable);
  }
  for (const word of denials) {
    const phraseWord = vocabulary.correct(word);
    if (phraseWord !== undefined && deniable.has(phraseWord)) return phraseWord;
  }
  return undefined;
}

function quiet(phrase: string, threshold: number, negativePhrase: string): TriggerMatch {
  return { type: 'intent', phrase, score: 0, threshold, detail: `matches the negative phrase "${negativePhrase}"` };
}

function vectorOf(phrase: string, vectors: PhraseVectors): Float32Array {
  const vector = vectors.get(phrase);
  // The caller embeds every phrase of the workflows it evaluates; a gap is a bug, not a low score.
  if (!vector) throw new Error(`no vector for the intent phrase "${phrase}"`);
  return vector;
}

/** Scores are shown to authors and compared with thresholds they type: 4 decimals is plenty. */
function round(score: number): number {
  return Math.round(score * 10_000) / 10_000;
}

// A message is normalised once per event, however many workflows look at it.
const messageWords = new WeakMap<object, readonly { word: string; stemmed: string }[]>();

/** The message's meaningful words, each with its stem (a typo is corrected from either). */
function meaningfulWordsOf(message: { text: string }): readonly { word: string; stemmed: string }[] {
  let found = messageWords.get(message);
  if (found === undefined) {
    found = meaningfulWords(message.text).map((word) => ({ word, stemmed: stem(word) }));
    messageWords.set(message, found);
  }
  return found;
}

/**
 * The message's key with each word the vocabulary's phrases do not use read as the phrase word it
 * is a typo of (PhraseVocabulary.correct): what a phrase of that vocabulary must have to have the
 * message's words. Undefined when a word is neither, or there are none: then no phrase has them.
 */
export function correctedWordKeyOf(message: { text: string }, vocabulary: PhraseVocabulary): string | undefined {
  const corrected: string[] = [];
  for (const { word, stemmed } of meaningfulWordsOf(message)) {
    const phraseWord = vocabulary.correct(word, stemmed);
    if (phraseWord === undefined) return undefined;
    corrected.push(phraseWord);
  }
  return corrected.length === 0 ? undefined : keyOf(corrected);
}

/** At most this many keys are looked up for one message whose typos read several ways. */
const MAX_CORRECTED_KEYS = 64;

/**
 * Every key the message may have, each typo read as each phrase word it could be a typo of
 * (PhraseVocabulary.corrections): for a lookup over many workflows' phrases, where a typo as close
 * to a word of one workflow as to one of another must find both (each workflow then corrects
 * towards its own words, correctedWordKeyOf). Empty when a word is none, or there are none.
 */
export function correctedWordKeysOf(message: { text: string }, vocabulary: PhraseVocabulary): string[] {
  let readings: string[][] = [[]];
  for (const { word, stemmed } of meaningfulWordsOf(message)) {
    const corrections = vocabulary.corrections(word, stemmed);
    // Too many ways to read the message to look each up: the phrase search decides.
    if (corrections.length === 0 || readings.length * corrections.length > MAX_CORRECTED_KEYS) return [];
    readings = readings.flatMap((reading) => corrections.map((correction) => [...reading, correction]));
  }
  return readings[0]!.length === 0 ? [] : [...new Set(readings.map(keyOf))];
}

// Per trigger (definitions are immutable): the words of its phrases, negative ones included.
const vocabularies = new WeakMap<IntentTrigger, PhraseVocabulary>();

/**
 * The words a message's typos are corrected towards: the trigger's own phrases', so that whether
 * a workflow matches a message depends on that workflow alone, as its scores and threshold do,
 * not on the other workflows evaluated with it (all of a tenant's in a preview, one in its tests).
 */
function vocabularyOf(trigger: IntentTrigger): PhraseVocabulary {
  let vocabulary = vocabularies.get(trigger);
  if (vocabulary === undefined) {
    vocabulary = new PhraseVocabulary([...trigger.phrases, ...(trigger.negativePhrases ?? [])]);
    vocabularies.set(trigger, vocabulary);
  }
  return vocabulary;
}

// Phrases are normalised once per distinct text, not once per message.
const phraseKeys = new Map<string, string>();
const MAX_CACHED_PHRASE_KEYS = 100_000;

export function phraseKeyOf(phrase: string): string {
  let key = phraseKeys.get(phrase);
  if (key === undefined) {
    key = keyOf(tokenize(phrase));
    if (phraseKeys.size >= MAX_CACHED_PHRASE_KEYS) phraseKeys.clear();
    phraseKeys.set(phrase, key);
  }
  return key;
}

function keyOf(tokens: readonly string[]): string {
  return [...new Set(tokens)].sort().join(' ');
}

/**
 * What an intent trigger's phrases cannot mean, as field-level issues, refused where workflows
 * are saved or loaded: a phrase with no letter or digit (it embeds as noise, and a blank one fires
 * on an empty message); a phrase that repeats an earlier one but for case, punctuation and
 * contractions (a copy weighs twice in the top-2 score and tightens the calibrated threshold, so
 * the workflow gets harder to fire, not easier); a negative phrase with the same words as a phrase
 * (a message with those words stays quiet, so that phrase could never fire).
 */
export function intentPhraseIssues(trigger: Trigger): ValidationIssue[] {
  if (trigger.type !== 'intent') return [];
  const issues: ValidationIssue[] = [];
  const phraseWithWords = new Map<string, string>();
  const check = (phrases: readonly string[], list: 'phrases' | 'negativePhrases') => {
    const firstWithText = new Map<string, string>();
    phrases.forEach((phrase, index) => {
      const field = `/trigger/${list}/${index}`;
      if (!/[\p{L}\p{N}]/u.test(phrase)) {
        issues.push({ field, reason: 'must contain a letter or a digit' });
        return;
      }
      const text = words(phrase).join(' ');
      const repeated = firstWithText.get(text);
      if (repeated !== undefined) {
        issues.push({ field, reason: `repeats ${repeated} (but for case, punctuation or contractions)` });
        return;
      }
      firstWithText.set(text, field);
      const key = phraseKeyOf(phrase);
      if (key === '') return;
      if (list === 'phrases') {
        if (!phraseWithWords.has(key)) phraseWithWords.set(key, field);
      } else if (phraseWithWords.has(key)) {
        issues.push({
          field,
          reason: `has the same words as ${phraseWithWords.get(key)!}, which could then never fire`,
        });
      }
    });
  };
  check(trigger.phrases, 'phrases');
  check(trigger.negativePhrases ?? [], 'negativePhrases');
  return issues;
}
