/**
 * Text → comparable tokens: lower case, contractions expanded, punctuation dropped, filler words
 * removed, light suffix stripping. Deliberately simple; the semantic matcher replaces it later.
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
};

const FILLER_WORDS = new Set(
  (
    'a an the i me my mine we us our you your it its this that these those to of for on in at by with ' +
    'and or so just really very please pls hi hello hey thanks thank would like want wanna could can ' +
    'will shall should is am are was were be been do does did have has had some any how what'
  ).split(' '),
);

export function tokenize(text: string): string[] {
  return words(text)
    .filter((word) => !FILLER_WORDS.has(word))
    .map(stem);
}

/** Every word of the text in order, lower case, contractions expanded, punctuation dropped; unstemmed. */
export function words(text: string): string[] {
  let lowered = text.toLowerCase().replace(/[’‘]/g, "'");
  for (const [contraction, expansion] of Object.entries(CONTRACTIONS)) {
    lowered = lowered.split(contraction).join(expansion);
  }
  return lowered
    .replace(/[^\p{L}\p{N}\s]+/gu, ' ')
    .split(/\s+/)
    .filter((word) => word !== '');
}

export function isFillerWord(word: string): boolean {
  return FILLER_WORDS.has(word);
}

export function stem(word: string): string {
  if (word.length > 5 && word.endsWith('ing')) return word.slice(0, -3);
  if (word.length > 5 && word.endsWith('lled')) return word.slice(0, -3);
  if (word.length > 4 && word.endsWith('ed')) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}
