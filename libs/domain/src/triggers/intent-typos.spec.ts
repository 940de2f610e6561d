import { matchTrigger, type TriggerInput } from './index';

const owner = { id: 'w', name: 'Workflow' };
const cancel = { type: 'intent' as const, phrases: ['I want to cancel my account', 'stop my subscription'] };
const fromContact = (text: string): TriggerInput => ({ message: { role: 'contact', text } });
const scoreOf = (trigger: Parameters<typeof matchTrigger>[0], text: string) =>
  matchTrigger(trigger, fromContact(text), owner)?.score;

describe('intent trigger, same words despite typos and inflections', () => {
  it.each([
    'I want to cancle my acount',
    'i wanna CACNEL my account!!',
    'Cancelling my accounts',
    'stopping my subscribtion',
    'Stopped my subscrption',
  ])('scores %j 1 without any model', (text) => {
    expect(scoreOf(cancel, text)).toBe(1);
  });

  it.each([
    'I want to cancel my acorn', // not a typo of "account": too far
    'I want to cancel my car', // under 4 letters: never corrected
    'I want to cancel my account 2', // an extra word the phrases do not have
  ])('does not take %j for a phrase', (text) => {
    expect(scoreOf(cancel, text)).toBe(0);
  });

  it('does not guess between two phrase words a typo is as close to', () => {
    const closeOrClone = { type: 'intent' as const, phrases: ['close my repository', 'clone my repository'] };
    expect(scoreOf(closeOrClone, 'clote my repository')).toBe(0);
    expect(scoreOf(closeOrClone, 'closs my repository')).toBe(1);
  });

  it('corrects only towards the trigger’s own words, never two unknown words towards each other', () => {
    const refund = { type: 'intent' as const, phrases: ['refund my order'] };
    expect(scoreOf(refund, 'refnd my ordr')).toBe(1);
    expect(scoreOf(refund, 'cancle my ordr')).toBe(0);
  });

  it('still reads a misspelt denial: a negative phrase, or a denied phrase word', () => {
    const withNegative = { ...cancel, negativePhrases: ["I don't want to cancel my account"] };
    expect(matchTrigger(withNegative, fromContact('I dont want to cancle my acount'), owner)).toMatchObject({
      score: 0,
      detail: 'matches the negative phrase "I don\'t want to cancel my account"',
    });
    // Only a denial can make a message the model scores close to a phrase quiet.
    const vector = Float32Array.from([1, 0]);
    const embedded: TriggerInput = {
      message: { role: 'contact', text: 'I dont want to cancle, just pause it' },
      semantics: {
        message: vector,
        phrases: new Map(cancel.phrases.map((phrase) => [phrase, vector])),
      },
    };
    expect(matchTrigger(cancel, embedded, owner)).toMatchObject({
      score: 0,
      detail: 'the message denies "cancel"',
    });
  });
});
