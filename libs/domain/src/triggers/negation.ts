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
 * Words before a cue (or before a pronoun and the cue) that make it an inability or a complaint,
 * not a refusal: "I can't cancel", "why could I not cancel" still ask about cancelling.
 */
const INABILITY_WORDS = new Set(['can', 'could', 'cannot', 'unable', 'able']);
const PRONOUNS = new Set(['i', 'we', 'you', 'they', 'he', 'she', 'it']);

/**
 * "no" denies what follows only as a refusal: "no longer want to renew", "no need to cancel",
 * "no intention of closing". "no" before a noun is usually a complaint about it ("still no
 * refund", "no access to my account"), unless the noun is said to be unwanted ("no refund needed").
 */
const REFUSING_AFTER_NO = new Set(['longer', 'need', 'intention', 'intentions', 'plan', 'plans', 'desire', 'wish']);
const UNWANTED = new Set(['needed', 'necessary', 'required', 'wanted']);

/** A denial ends with its clause: "No, cancel it" and "No. Close my account." deny nothing. */
const CLAUSE_BREAK = /[,.;:!?()]+|\s[-\u2013\u2014]+\s/u;

/**
 * The meaningful words (stemmed, as `tokenize` gives them) that the text denies:
 * "I don't want to cancel, just change my plan" denies "cancel". A sentence model scores that
 * message close to "I want to cancel" (the two differ by one word), so the intent matcher asks
 * this first. Deliberately narrow: the denied word must follow the cue in its clause, across
 * bridge words only, so "I have not received my card, cancel it" denies "receiv", not "cancel".
 */
export function deniedWords(text: string): Set<string> {
  const denied = new Set<string>();
  for (const clause of text.split(CLAUSE_BREAK)) {
    const all = words(clause);
    all.forEach((word, index) => {
      if (!NEGATION_CUES.has(word) || isInability(all, index)) return;
      let next = index + 1;
      if (word === 'no') {
        if (REFUSING_AFTER_NO.has(all[next] ?? '')) {
          next += 1;
          if (all[next] === 'of' || all[next] === 'in') next += 1;
        } else if (!UNWANTED.has(all[next + 1] ?? '')) {
          return;
        }
      }
      while (next < all.length && BRIDGE_WORDS.has(all[next]!)) next += 1;
      const target = all[next];
      if (target !== undefined && !isFillerWord(target) && !NEGATION_CUES.has(target)) denied.add(stem(target));
    });
  }
  return denied;
}

function isInability(all: readonly string[], cue: number): boolean {
  const before = all[cue - 1] ?? '';
  return INABILITY_WORDS.has(before) || (PRONOUNS.has(before) && INABILITY_WORDS.has(all[cue - 2] ?? ''));
}

/** Whether the text itself is a negation ("my card has not arrived"): such phrases are not denied by one. */
export function hasNegation(text: string): boolean {
  return words(text).some((word) => NEGATION_CUES.has(word));
}
