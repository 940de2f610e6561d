import { deniedWords, hasNegation } from './negation';

describe('deniedWords', () => {
  it.each([
    ["I don't want to cancel, just change my plan", ['cancel']],
    ['I do not wish to close my account', ['close']],
    ["I'm not going to renew", ['renew']],
    ['never delete my data', ['delet']],
    ['No refunds needed', ['refund']],
    ['I no longer want to renew', ['renew']],
    ['There is no need to cancel it', ['cancel']],
    ['I have no intention of closing my account', ['close']],
  ])('%j denies %j', (text, denied) => {
    expect([...deniedWords(text)]).toEqual(denied);
  });

  it.each([
    'I want to cancel my subscription',
    "I can't cancel my subscription",
    'why could not I close my account',
    'no, I want to cancel',
    'not sure',
    // A refusal of something else, then the request, in a clause of its own.
    'No, cancel it',
    'No. Close my account.',
    'Not really - cancel my subscription',
    // Inabilities and complaints ask about the thing.
    'Why could I not cancel?',
    'Why could I not cancel my subscription online?',
    'Still no cancellation after two weeks, where is it?',
    'I have no way to close my account',
  ])('%j denies nothing that a phrase could ask for', (text) => {
    expect([...deniedWords(text)].filter((word) => ['cancel', 'close'].includes(word))).toEqual([]);
  });

  it('denies only the word right after the cue and its bridge words', () => {
    expect([...deniedWords('I have not received my card, cancel it')]).toEqual(['receiv']);
  });
});

describe('hasNegation', () => {
  it('tells negated phrases apart', () => {
    expect(hasNegation("my card hasn't arrived")).toBe(true);
    expect(hasNegation('my card is late')).toBe(false);
  });
});
