import { PhraseVocabulary, SCANNED_VOCABULARY_LIMIT, stem, tokenize } from './text-normalization';

describe('stem', () => {
  it.each([
    ['cancel', 'cancels', 'cancelled', 'cancelling', 'canceled', 'canceling'],
    ['close', 'closed', 'closing', 'closes'],
    ['stop', 'stopped', 'stopping', 'stops'],
    ['pay', 'paid', 'paying', 'pays'],
    ['receive', 'received', 'receiving'],
    ['lose', 'lost', 'losing'],
  ])('gives the inflected forms of %j one stem', (...forms) => {
    expect(new Set(forms.map(stem)).size).toBe(1);
  });

  it('keeps different words apart', () => {
    expect(stem('close')).not.toBe(stem('clone'));
    expect(stem('card')).not.toBe(stem('cart'));
  });
});

describe('tokenize', () => {
  it('expands contractions typed with or without their apostrophe, and drops "\'s"', () => {
    expect(tokenize("I don't want this")).toEqual(['not']);
    expect(tokenize('I dont want this')).toEqual(['not']);
    expect(tokenize('Im sure it wont arrive')).toEqual(['sure', 'not', 'arriv']);
    expect(tokenize("What's my card's PIN?")).toEqual(['card', 'pin']);
    expect(tokenize("I can't, it won't")).toEqual(['not', 'not']);
  });

  it('leaves words in single quotes whole: an opening quote is no contraction', () => {
    expect(tokenize("Cancel my 'deluxe' plan, the 'sms' one")).toEqual(['cancel', 'delux', 'plan', 'sms', 'one']);
    expect(tokenize("'monthly' or 'ready'")).toEqual(['month', 'readi']);
    expect(tokenize("the 90's plan")).toEqual(['90', 'plan']);
  });

  it('reads an accent typed as a combining mark, and compatibility forms, as the letters they stand for', () => {
    expect(tokenize('re\u0301silier')).toEqual(tokenize('résilier'));
    expect(tokenize('ｃａｎｃｅｌ my ﬁle')).toEqual(tokenize('cancel my file'));
  });
});

describe('PhraseVocabulary', () => {
  const phrases = [
    'I want to cancel my account',
    'my subscription was not renewed',
    'my card has not been received',
    'where is order 1234',
    'clone my repository',
    'close my account',
    'my tracking link is broken',
  ];
  // The same phrases among enough others (words with a digit: never a typo of anything) to take the deletion index.
  const padding = Array.from({ length: SCANNED_VOCABULARY_LIMIT }, (_, index) => `word${index}`);

  describe.each([
    ['scanned', new PhraseVocabulary(phrases)],
    ['indexed', new PhraseVocabulary([...phrases, ...padding])],
  ])('%s', (_, vocabulary) => {
    const correct = (word: string) => vocabulary.correct(word);

    it('keeps the phrases’ own words and their other inflections', () => {
      expect(correct('cancel')).toBe('cancel');
      expect(correct('cancelling')).toBe('cancel');
      expect(correct('accounts')).toBe('account');
    });

    it.each([
      ['cancle', 'cancel'], // a swap
      ['cacnel', 'cancel'],
      ['acount', 'account'], // a missing letter
      ['cancled', 'cancel'], // a typo in an inflected form: its stem is one edit from the phrase's
      ['recieved', 'receiv'],
      ['recieving', 'receiv'], // a typo in another inflection than the phrase's: only the stems are close
      ['subscrption', 'subscript'], // a typo that changes the stem: the whole words are one edit apart
      ['traking', 'track'],
      ['subscirbtion', 'subscript'], // two edits in a long word
      ['repositry', 'repositori'],
    ])('reads %j as a typo of the phrase word %j', (typo, phraseStem) => {
      expect(correct(typo)).toBe(phraseStem);
    });

    it('never corrects words of under 4 letters, numbers, or words too far from every phrase word', () => {
      expect(correct('crd')).toBeUndefined(); // "card" is one edit away, but so are "cart" and "care"
      expect(correct('1235')).toBeUndefined(); // another order, not a typo of 1234
      expect(correct('terminate')).toBeUndefined();
      expect(correct('acorn')).toBeUndefined();
      expect(correct('cnacle')).toBeUndefined(); // two edits: only words of 8 letters or more get two
    });

    it('never reads an English word as a typo of another, however close', () => {
      expect(correct('cart')).toBeUndefined(); // not "card"
      expect(correct('accounted')).toBe('account'); // an inflection of a phrase word is the word
      expect(correct('clock')).toBeUndefined(); // not "clone" or "close"
    });

    it('does not guess between two phrase words the same distance away', () => {
      // "clote" is one edit from both "close" and "clone".
      expect(correct('clote')).toBeUndefined();
      expect(correct('closs')).toBe('close');
    });
  });
});
