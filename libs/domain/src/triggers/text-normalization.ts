import { stem as porter2Stem } from 'porter2';

/**
 * Text → comparable tokens: lower case, contractions expanded, punctuation dropped, filler words
 * removed, each word reduced to its Porter2 stem (so "cancel", "cancelled" and "cancelling" are
 * one token). A message's misspelt words are corrected towards a set of phrases' words by
 * PhraseVocabulary.
 */
const CONTRACTIONS: Record<string, string> = {
  "can't": 'can not',
  "won't": 'will not',
  "n't": ' not',
  "'d": ' would',
  "'ll": ' will',
  "'re": ' are',
  "'ve": ' have',
  "'m": ' am',
  // "is", "has" or a possessive: all filler or nothing, and a stray "s" token otherwise.
  "'s": '',
};

/**
 * A contraction where one can be: its ending right after a letter or digit ("plan's", "don't",
 * "the 90's"), never a quote's opening ("'deluxe'" stays "deluxe"), and "can't" / "won't" as
 * whole words.
 */
const CONTRACTION_PATTERN = /(?<!\p{L})(?:can|won)'t(?!\p{L})|(?<=[\p{L}\p{N}])(?:n't|'d|'ll|'re|'ve|'m|'s)(?!\p{L})/gu;

/**
 * Contractions typed without their apostrophe, as customers often do ("I dont want to cancel"):
 * only those that are not also an everyday word ("its", "well", "id" are left alone).
 */
const APOSTROPHE_LESS_CONTRACTIONS = new Map(
  Object.entries({
    dont: 'do not',
    doesnt: 'does not',
    didnt: 'did not',
    cant: 'can not',
    couldnt: 'could not',
    wouldnt: 'would not',
    shouldnt: 'should not',
    wont: 'will not',
    isnt: 'is not',
    arent: 'are not',
    wasnt: 'was not',
    werent: 'were not',
    havent: 'have not',
    hasnt: 'has not',
    hadnt: 'had not',
    im: 'i am',
    ive: 'i have',
  }),
);

const FILLER_WORDS = new Set(
  (
    'a an the i me my mine we us our you your it its this that these those to of for on in at by with ' +
    'and or so just really very please pls hi hello hey thanks thank would like want wanna could can ' +
    'will shall should is am are was were be been do does did have has had some any how what'
  ).split(' '),
);

/**
 * Irregular verb forms that Porter2, a suffix stripper, leaves apart from their verb ("paid" is
 * not "pay"): those customers use about accounts, orders and payments. Forms that are also
 * another word ("left", "found") are not here.
 */
const IRREGULAR_FORMS = new Map(
  Object.entries({
    paid: 'pay',
    sent: 'send',
    bought: 'buy',
    sold: 'sell',
    spent: 'spend',
    lost: 'lose',
    stole: 'steal',
    stolen: 'steal',
    broke: 'break',
    broken: 'break',
    forgot: 'forget',
    forgotten: 'forget',
    gave: 'give',
    given: 'give',
    took: 'take',
    taken: 'take',
    got: 'get',
    gotten: 'get',
    made: 'make',
    told: 'tell',
  }),
);

export function tokenize(text: string): string[] {
  return meaningfulWords(text).map(stem);
}

/** The words of the text that are not filler words, unstemmed: what tokenize stems. */
export function meaningfulWords(text: string): string[] {
  return words(text).filter((word) => !FILLER_WORDS.has(word));
}

/**
 * Every word of the text in order, lower case, contractions expanded, punctuation dropped; unstemmed.
 * NFKC first: an accent typed as a combining mark ("re\u0301silier") is one letter with its
 * base, not punctuation that splits the word, and compatibility forms (full-width letters,
 * ligatures such as "ﬁ") read as the letters they stand for.
 */
export function words(text: string): string[] {
  let lowered = text.normalize('NFKC').toLowerCase().replace(/[’‘]/g, "'");
  lowered = lowered.replace(CONTRACTION_PATTERN, (contraction) => CONTRACTIONS[contraction]!);
  return lowered
    .replace(/[^\p{L}\p{N}\s]+/gu, ' ')
    .split(/\s+/)
    .filter((word) => word !== '')
    .flatMap((word) => APOSTROPHE_LESS_CONTRACTIONS.get(word)?.split(' ') ?? [word]);
}

export function isFillerWord(word: string): boolean {
  return FILLER_WORDS.has(word);
}

/** The word's Porter2 (Snowball English) stem, irregular verb forms first mapped to their verb; `word` is lower case. */
export function stem(word: string): string {
  return porter2Stem(IRREGULAR_FORMS.get(word) ?? word);
}

/** The most edits a misspelt word may be from its correction: see typoAllowance. */
const MAX_TYPO_DISTANCE = 2;

/** Words with a digit are never corrected nor corrected to: an order number is not a typo of another. */
const HAS_DIGIT = /\p{N}/u;

/**
 * How many edits (Damerau-Levenshtein: insert, delete, substitute, swap two neighbours) apart two
 * words may be for one to be read as a typo of the other, by the length of the shorter: none under
 * 4 letters (too many real words lie one edit apart: "card", "cart", "care"), 1 up to 7, 2 from 8.
 */
function typoAllowance(shorterLength: number): number {
  if (shorterLength < 4) return 0;
  return shorterLength < 8 ? 1 : MAX_TYPO_DISTANCE;
}

/**
 * Whether a word is an English word (a list of ~275,000, inflected forms included, from the
 * `an-array-of-english-words` package), and so no typo: "cart" is not read as a misspelt "card",
 * nor "charge" as "change", however close. Loaded at the first correction (~35 MB), as only
 * messages with words their workflows' phrases do not use ever need it.
 */
function isEnglishWord(word: string): boolean {
  englishWords ??= new Set(require('an-array-of-english-words') as string[]); // eslint-disable-line @typescript-eslint/no-require-imports
  return englishWords.has(word);
}
let englishWords: ReadonlySet<string> | undefined;

/**
 * Up to this many words, a correction compares the message word with each phrase word of about its
 * length; larger vocabularies (thousands of phrases) are looked up through a deletion index instead.
 */
export const SCANNED_VOCABULARY_LIMIT = 512;

/**
 * The meaningful words of a set of phrases, towards which a message's misspelt words are
 * corrected: a word whose stem the phrases do not use, and that is no English word, is read as the
 * one phrase stem it is a typo of, if there is exactly one within its typo allowance ("cancle" →
 * "cancel"). Correction can so only move a message towards words the phrases use; it never makes
 * two words unknown to them alike, nor guesses between two candidates.
 *
 * Both the word and its stem are compared with both the phrase words and their stems: a typo can
 * change how a word stems ("subscrption" keeps its "-ion", so only the whole words are one edit
 * apart), and a typo in another inflection than the phrase's is only close to its stem
 * ("recieving" → "reciev" ≈ "receiv").
 *
 * A large vocabulary answers through a deletion index (SymSpell): every string obtained by deleting
 * up to its allowance of letters from each phrase word, mapped to the words. Two words within k
 * edits share such a string with at most k deletions on each side (a swap or a substitution is one
 * deletion on each), so a lookup only measures the words filed under the message word's deletions.
 */
export class PhraseVocabulary {
  private readonly stems = new Set<string>();
  /** Each meaningful word of the phrases and each one's stem, mapped to that stem. */
  private readonly stemOfForm = new Map<string, string>();
  private readonly indexed: boolean;
  /** Small vocabularies: the forms by length (a form within k edits of a word is within k of its length). */
  private readonly byLength = new Map<number, string[]>();
  /** Large vocabularies: the forms filed under each of their deletions. */
  private readonly byDeletion = new Map<string, string[]>();

  constructor(phrases: Iterable<string>) {
    for (const phrase of phrases) {
      for (const word of meaningfulWords(phrase)) {
        const stemmed = stem(word);
        this.stems.add(stemmed);
        this.stemOfForm.set(word, stemmed);
        this.stemOfForm.set(stemmed, stemmed);
      }
    }
    this.indexed = this.stemOfForm.size > SCANNED_VOCABULARY_LIMIT;
    for (const form of this.stemOfForm.keys()) {
      if (HAS_DIGIT.test(form)) continue;
      if (!this.indexed) fileUnder(this.byLength, form.length, form);
      else for (const deletion of deletionsOf(form)) fileUnder(this.byDeletion, deletion, form);
    }
  }

  /**
   * The phrase stem a message word stands for: its own stem when the phrases use it, else the one
   * it is a typo of, else undefined. `word` is lower case, as `words` gives it (a stem will do).
   */
  correct(word: string, stemmed = stem(word)): string | undefined {
    if (this.stems.has(stemmed)) return stemmed;
    const found = this.typoCorrections(word, stemmed);
    return found.length === 1 ? found[0] : undefined;
  }

  /**
   * Every phrase stem a message word may stand for, for a lookup over many workflows' phrases
   * (WorkflowIndex), where each workflow then corrects towards its own words: its own stem when
   * some phrase uses it, and each one it is a typo of. A word one workflow spells exactly may be a
   * typo of another's ("acount"), and a typo may be as close to words of two ("cloce": "close",
   * "clone"), where correct() takes none.
   */
  corrections(word: string, stemmed = stem(word)): string[] {
    const typos = this.typoCorrections(word, stemmed);
    return this.stems.has(stemmed) && !typos.includes(stemmed) ? [stemmed, ...typos] : typos;
  }

  /** The phrase stems the word is a typo of; none for an English word or one with a digit. */
  private typoCorrections(word: string, stemmed: string): string[] {
    if (HAS_DIGIT.test(word) || isEnglishWord(word)) return [];
    const found = new Set<string>();
    for (const misspelt of word === stemmed ? [word] : [word, stemmed]) {
      for (const forms of this.candidatesFor(misspelt)) {
        for (const form of forms) {
          const allowance = typoAllowance(Math.min(misspelt.length, form.length));
          if (allowance === 0 || editDistance(misspelt, form, allowance) > allowance) continue;
          found.add(this.stemOfForm.get(form)!);
        }
      }
    }
    return [...found];
  }

  /** Lists of the forms that may be within the word's typo allowance (correct() measures each). */
  private candidatesFor(misspelt: string): string[][] {
    const lists: string[][] = [];
    if (this.indexed) {
      for (const deletion of deletionsOf(misspelt)) {
        const forms = this.byDeletion.get(deletion);
        if (forms) lists.push(forms);
      }
      return lists;
    }
    for (let length = misspelt.length - MAX_TYPO_DISTANCE; length <= misspelt.length + MAX_TYPO_DISTANCE; length += 1) {
      const forms = this.byLength.get(length);
      if (forms) lists.push(forms);
    }
    return lists;
  }
}

/**
 * The word and every string made by deleting up to its own allowance of letters from it: the most
 * any correction to or from it allows, the allowance going by the shorter of two words.
 */
function deletionsOf(word: string): Set<string> {
  const deletions = new Set([word]);
  let previous = [word];
  for (let round = 0; round < typoAllowance(word.length); round += 1) {
    const next: string[] = [];
    for (const text of previous) {
      for (let index = 0; index < text.length; index += 1) {
        const deletion = text.slice(0, index) + text.slice(index + 1);
        if (!deletions.has(deletion)) {
          deletions.add(deletion);
          next.push(deletion);
        }
      }
    }
    previous = next;
  }
  return deletions;
}

/**
 * Three rows of editDistance's matrix, reused: a lookup measures a hundred candidates or more, and
 * allocating rows for each costs more than filling them.
 */
let distanceRows = [new Int32Array(32), new Int32Array(32), new Int32Array(32)];

/**
 * The optimal-string-alignment distance (Damerau-Levenshtein where a swapped pair is not edited
 * again), or `max` + 1 when it exceeds `max`. Only the cells within `max` of the diagonal are
 * computed (any alignment through the others costs more), and a row without a cell within `max`
 * ends it: nearly all candidates are far off. Hand-written because the npm implementations compute
 * the whole matrix, with no such bound.
 */
function editDistance(a: string, b: string, max: number): number {
  const beyond = max + 1;
  if (Math.abs(a.length - b.length) > max) return beyond;
  if (distanceRows[0]!.length <= b.length) distanceRows = distanceRows.map(() => new Int32Array(b.length + 1));
  let [twoRowsUp, rowUp, row] = distanceRows as [Int32Array, Int32Array, Int32Array];
  twoRowsUp.fill(beyond);
  for (let j = 0; j <= b.length; j += 1) rowUp[j] = Math.min(j, beyond);
  for (let i = 1; i <= a.length; i += 1) {
    row.fill(beyond, 0, b.length + 1);
    row[0] = Math.min(i, beyond);
    let rowMinimum = beyond;
    for (let j = Math.max(1, i - max); j <= Math.min(b.length, i + max); j += 1) {
      const substitution = rowUp[j - 1]! + (a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1);
      let distance = Math.min(rowUp[j]! + 1, row[j - 1]! + 1, substitution);
      const swapped = i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1];
      if (swapped) distance = Math.min(distance, twoRowsUp[j - 2]! + 1);
      row[j] = Math.min(distance, beyond);
      rowMinimum = Math.min(rowMinimum, row[j]!);
    }
    if (rowMinimum > max) return beyond;
    [twoRowsUp, rowUp, row] = [rowUp, row, twoRowsUp];
  }
  return rowUp[b.length]!;
}

function fileUnder<K>(map: Map<K, string[]>, key: K, form: string): void {
  const filed = map.get(key);
  if (filed) filed.push(form);
  else map.set(key, [form]);
}
