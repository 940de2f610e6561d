import { isFillerWord, stem, words } from './text-normalization';

/** Words that deny what follows them; contractions arrive expanded ("don't" → "do not"). */
const NEGATION_CUES = new Set(['not', 'never', 'no']);

/**
 * Words a denial reaches across to the act it denies: "I do not *want to* cancel", "I am not
 * *going to* renew", "never *really* asked".
 */
const BRIDGE_WORDS = new Set(
  (
    'want wanna wish need like plan planning intend intending mean meant going trying try to ' +
    'really actually even ever yet be'
  ).split(' '),
);

/**
 * Words before a cue that make it an inability or a complaint, not a refusal: "I can't cancel"
 * still asks about cancelling.
 */
const INABILITY_WORDS = new Set(['can', 'could', 'cannot', 'unable', 'able']);

/**
 * The meaningful words (stemmed, as `tokenize` gives them) that the text denies:
 * "I don't want to cancel, just change my plan" denies "cancel". A sentence model scores that
 * message close to "I want to cancel" (the two differ by one word), so the intent matcher asks
 * this first. Deliberately narrow: the denied word must follow the cue, across bridge words
 * only, so "I have not received my card, cancel it" denies "receiv", not "cancel".
 */
export function deniedWords(text: string): Set<string> {
  const denied = new Set<string>();
  const all = words(text);
  all.forEach((word, index) => {
    if (!NEGATION_CUES.has(word) || INABILITY_WORDS.has(all[index - 1] ?? '')) return;
    let next = index + 1;
    while (next < all.length && BRIDGE_WORDS.has(all[next]!)) next += 1;
    const target = all[next];
    if (target !== undefined && !isFillerWord(target) && !NEGATION_CUES.has(target)) denied.add(stem(target));
  });
  return denied;
}

/** Whether the text itself is a negation ("my card has not arrived"): such phrases are not denied by one. */
export function hasNegation(text: string): boolean {
  return words(text).some((word) => NEGATION_CUES.has(word));
}
