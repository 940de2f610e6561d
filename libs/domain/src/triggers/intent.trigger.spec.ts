import type { Trigger, WorkflowDefinition } from '@app/contracts';
import {
  DEFAULT_INTENT_THRESHOLD,
  MIN_CALIBRATED_THRESHOLD,
  MIN_CALIBRATED_THRESHOLD_SEVERAL_PHRASES,
  evaluateWorkflows,
  explainWorkflows,
  intentPhraseIssues,
  matchTrigger,
  tokenize,
  type IntentSemantics,
  type TriggerInput,
} from './index';

const cancel = { type: 'intent' as const, phrases: ['I want to cancel', 'close my account', 'stop my subscription'] };
const owner = { id: 'w', name: 'Workflow' };

/** A unit vector in the plane of two axes, `degrees` away from the first: cosines are easy to read. */
const towards = (axis: number, degrees = 0, other = (axis + 1) % 4): Float32Array => {
  const vector = new Float32Array(4);
  vector[axis] = Math.cos((degrees * Math.PI) / 180);
  vector[other] = Math.sin((degrees * Math.PI) / 180);
  return vector;
};
const CANCEL = 0;
const REFUND = 1;
const HOURS = 2;
/** Hand-made phrase vectors standing in for a sentence encoder (the real model is tested in test/medium). */
const phraseVectors = new Map([
  ['I want to cancel', towards(CANCEL)],
  ['close my account', towards(CANCEL, 20)],
  ['stop my subscription', towards(CANCEL, 40)],
  ["I don't want to cancel", towards(CANCEL, 30, 3)],
  ['refund my order', towards(REFUND)],
  ['money back', towards(REFUND, 10)],
]);
const semanticsOf = (message: Float32Array): IntentSemantics => ({ message, phrases: phraseVectors });
const fromContact = (text: string, vector?: Float32Array): TriggerInput => ({
  message: { role: 'contact', text },
  ...(vector ? { semantics: semanticsOf(vector) } : {}),
});
const cosineOf = (degrees: number) => Math.cos((degrees * Math.PI) / 180);
const rounded = (score: number) => Math.round(score * 10_000) / 10_000;
/**
 * The cancel phrases lie 0°, 20° and 40° apart; each scored against the other two:
 * mean(cos 20°, cos 40°), mean(cos 20°, cos 20°), mean(cos 20°, cos 40°).
 */
const CANCEL_THRESHOLD = rounded(
  ((cosineOf(20) + cosineOf(40)) / 2 + cosineOf(20) + (cosineOf(20) + cosineOf(40)) / 2) / 3,
);

describe('tokenize', () => {
  it('lower-cases, expands contractions, drops punctuation and filler words', () => {
    expect(tokenize("Hi, I'd like to CANCEL my subscription please!")).toEqual(['cancel', 'subscript']);
    expect(tokenize("I don't want this")).toEqual(['not']);
    expect(tokenize('Cancelled orders')).toEqual(['cancel', 'order']);
  });
});

describe('intent trigger', () => {
  it('scores 1, without any model, a message with the same meaningful words as a phrase', () => {
    expect(matchTrigger(cancel, fromContact("Hi, I'd like to CANCEL please!"), owner)).toEqual({
      type: 'intent',
      phrase: 'I want to cancel',
      score: 1,
      threshold: DEFAULT_INTENT_THRESHOLD,
    });
    expect(matchTrigger(cancel, fromContact('Stop my subscriptions!'), owner)?.phrase).toBe('stop my subscription');
  });

  it('without sentence vectors, scores other messages 0 and says why', () => {
    expect(matchTrigger(cancel, fromContact('please terminate my account'), owner)).toEqual({
      type: 'intent',
      phrase: 'I want to cancel',
      score: 0,
      threshold: DEFAULT_INTENT_THRESHOLD,
      detail: 'message not embedded: only a phrase with the same words matches',
    });
    // With the phrase vectors but not the message's, the threshold is still the calibrated one.
    const phrasesOnly = {
      message: { role: 'contact' as const, text: 'terminate' },
      semantics: { phrases: phraseVectors },
    };
    expect(matchTrigger(cancel, phrasesOnly, owner)).toMatchObject({ score: 0, threshold: CANCEL_THRESHOLD });
    // Filler words alone are no phrase.
    expect(matchTrigger({ type: 'intent', phrases: ['hi there'] }, fromContact('hello'), owner)?.score).toBe(0);
  });

  it('scores a paraphrase by the mean of its two best phrase similarities, naming the best phrase', () => {
    // 10° from "I want to cancel", 10° from "close my account", 30° from "stop my subscription".
    const match = matchTrigger(cancel, fromContact('please terminate my account', towards(CANCEL, 10)), owner);
    expect(match).toEqual({
      type: 'intent',
      phrase: 'I want to cancel',
      score: rounded(cosineOf(10)),
      threshold: CANCEL_THRESHOLD,
    });
    expect(match!.score).toBeGreaterThanOrEqual(match!.threshold);
    const onePhrase = { type: 'intent' as const, phrases: ['money back'] };
    expect(matchTrigger(onePhrase, fromContact('refund?', towards(REFUND, 40)), owner)?.score).toBe(
      rounded(cosineOf(30)),
    );
  });

  it('calibrates a threshold on the phrases: what they score against one another, at least the floor', () => {
    const scoreOf = (trigger: typeof cancel & { threshold?: number }, vector: Float32Array) =>
      matchTrigger(trigger, fromContact('…', vector), owner)!;
    expect(scoreOf(cancel, towards(HOURS)).threshold).toBe(CANCEL_THRESHOLD);
    expect(CANCEL_THRESHOLD).toBeCloseTo(0.8818, 4);
    // Refund phrases 10° apart: a tight workflow asks for close paraphrases.
    const refund = { type: 'intent' as const, phrases: ['refund my order', 'money back'] };
    expect(scoreOf(refund, towards(HOURS)).threshold).toBe(rounded(cosineOf(10)));
    // Phrases 90° apart say too little about each other: the floor applies.
    const loose = { type: 'intent' as const, phrases: ['I want to cancel', 'refund my order'] };
    expect(scoreOf(loose, towards(HOURS)).threshold).toBe(MIN_CALIBRATED_THRESHOLD);
    // With three or more, the best two of several score higher by chance: a higher floor.
    const looseThree = { type: 'intent' as const, phrases: [...loose.phrases, 'money back'] };
    expect(scoreOf(looseThree, towards(HOURS)).threshold).toBe(MIN_CALIBRATED_THRESHOLD_SEVERAL_PHRASES);
    // One phrase: nothing to calibrate on.
    expect(scoreOf({ type: 'intent', phrases: ['money back'] }, towards(HOURS)).threshold).toBe(
      DEFAULT_INTENT_THRESHOLD,
    );
    expect(scoreOf({ ...cancel, threshold: 0.7 }, towards(HOURS)).threshold).toBe(0.7);
  });

  it('calibrates on distinct phrases: rewordings with the same meaningful words count once', () => {
    const vectors = new Map([
      ...phraseVectors,
      ['please refund my order', towards(REFUND, 1)],
      ['I would like a refund of my order', towards(REFUND, 2)],
    ]);
    const thresholdWith = (phrases: string[]) =>
      matchTrigger(
        { type: 'intent', phrases },
        { message: { role: 'contact', text: '…' }, semantics: { message: towards(HOURS), phrases: vectors } },
        owner,
      )!.threshold;
    // "refund order" three times over: one phrase, nothing to calibrate on.
    expect(thresholdWith(['refund my order', 'please refund my order', 'I would like a refund of my order'])).toBe(
      DEFAULT_INTENT_THRESHOLD,
    );
    // The rewordings do not lift the threshold of the two distinct phrases.
    expect(thresholdWith(['refund my order', 'please refund my order', 'money back'])).toBe(rounded(cosineOf(10)));
  });

  it('stays below the threshold on unrelated messages; a workflow may set its own threshold', () => {
    const hours = fromContact('what are your opening hours?', towards(HOURS));
    expect(matchTrigger(cancel, hours, owner)?.score).toBe(0);
    const farOff = fromContact('cancel what exactly?', towards(CANCEL, 35, 3));
    // Mean of cos 35° and the cosine to "close my account": below the calibrated threshold, above 0.7.
    const score = matchTrigger(cancel, farOff, owner)!.score;
    expect(score).toBeLessThan(CANCEL_THRESHOLD);
    expect(matchTrigger({ ...cancel, threshold: 0.7 }, farOff, owner)).toMatchObject({ score, threshold: 0.7 });
  });

  it('stays quiet when the message is closer to a negative phrase than to every example phrase', () => {
    const withNegatives = { ...cancel, negativePhrases: ["I don't want to cancel"] };
    // 5° from the negative phrase, 25° from the closest example.
    const negation = fromContact("I don't want to cancel, just change my plan", towards(CANCEL, 25, 3));
    expect(matchTrigger(withNegatives, negation, owner)).toEqual({
      type: 'intent',
      phrase: 'I want to cancel',
      score: 0,
      threshold: CANCEL_THRESHOLD,
      detail: 'matches the negative phrase "I don\'t want to cancel"',
    });
    // Without negative phrases, the denial in the message keeps it quiet.
    expect(matchTrigger(cancel, negation, owner)).toMatchObject({ score: 0, detail: 'the message denies "cancel"' });
    // Same words as a negative phrase: quiet without any model.
    expect(matchTrigger(withNegatives, fromContact('I do not want to cancel!'), owner)?.score).toBe(0);
    // Quiet even on the loosest threshold an author can set.
    expect(matchTrigger({ ...withNegatives, threshold: 0 }, negation, owner)).toMatchObject({
      score: 0,
      threshold: 0.01,
    });
    expect(matchTrigger(withNegatives, fromContact('I want to cancel', towards(CANCEL)), owner)?.score).toBe(1);
  });

  it('lets phrases that are negations themselves match negated messages', () => {
    const lateCard = { type: 'intent' as const, phrases: ["my card hasn't arrived"] };
    expect(matchTrigger(lateCard, fromContact('My card has not arrived.'), owner)?.score).toBe(1);
  });

  it('only listens to the contact, not to the AI or agents', () => {
    expect(matchTrigger(cancel, { message: { role: 'ai', text: 'I want to cancel' } }, owner)).toBeNull();
    expect(matchTrigger(cancel, {}, owner)).toBeNull();
  });

  it('refuses to score a phrase it has no vector for: the caller embeds every phrase', () => {
    const unknownPhrase = { type: 'intent' as const, phrases: ['where is my parcel'] };
    expect(() => matchTrigger(unknownPhrase, fromContact('parcel?', towards(HOURS)), owner)).toThrow(
      'no vector for the intent phrase "where is my parcel"',
    );
  });
});

describe('evaluateWorkflows and explainWorkflows', () => {
  const workflow = (overrides: Partial<WorkflowDefinition>): WorkflowDefinition => ({
    id: '6f1d3b8e-8a55-4a39-9a3e-1c2f8e0a1b2c',
    tenantId: 'acme',
    name: 'Cancel',
    version: 1,
    status: 'enabled',
    trigger: cancel,
    action: { type: 'webhook', url: 'https://example.com/hook' },
    firing: { mode: 'every_time' },
    signingSecret: 'whsec_c2VjcmV0',
    updatedAt: new Date(0).toISOString(),
    ...overrides,
  });

  it('fires only when the trigger’s conditions hold for the contact', () => {
    const enterpriseOnly = workflow({
      trigger: { ...cancel, conditions: { op: 'in', attribute: 'plan', value: ['enterprise'] } },
    });
    const cancelMessage = fromContact('I want to cancel');
    expect(evaluateWorkflows([enterpriseOnly], { ...cancelMessage, memory: { plan: 'enterprise' } })).toHaveLength(1);
    expect(evaluateWorkflows([enterpriseOnly], { ...cancelMessage, memory: { plan: 'free' } })).toHaveLength(0);
    expect(evaluateWorkflows([enterpriseOnly], cancelMessage)).toHaveLength(0);
  });

  it('explains for each workflow why it fires or not', () => {
    const workflows = [
      workflow({ id: 'fires' }),
      workflow({ id: 'off', status: 'disabled' }),
      workflow({ id: 'low', trigger: { type: 'intent', phrases: ['refund my order', 'money back'] } }),
      workflow({ id: 'vip', trigger: { ...cancel, conditions: { op: 'equals', attribute: 'vip', value: true } } }),
    ];
    const outcomes = explainWorkflows(workflows, { ...fromContact('I want to cancel'), memory: { vip: false } });
    expect(outcomes.map(({ workflow, outcome }) => [workflow.id, outcome])).toEqual([
      ['fires', 'fired'],
      ['off', 'disabled'],
      ['low', 'below_threshold'],
      ['vip', 'conditions_false'],
    ]);
    expect(outcomes[3]?.conditions?.comparisons).toEqual([
      { pointer: '', op: 'equals', attribute: 'vip', expected: true, actual: false, result: false },
    ]);
    expect(explainWorkflows(workflows, { message: { role: 'ai', text: 'I want to cancel' } })[0]?.outcome).toBe(
      'not_applicable',
    );
  });

  it('of competing intent workflows, fires only the closest; none when the closest is below its threshold', () => {
    const workflows = [
      workflow({
        id: 'refund',
        trigger: { type: 'intent', phrases: ['refund my order', 'money back'], threshold: 0.5 },
      }),
      workflow({ id: 'cancel' }),
      workflow({ id: 'disabled', status: 'disabled' }),
    ];
    // 40° from the cancel axis towards the refund one: close to the cancel phrases, less to the refund ones.
    const both = fromContact('end my contract and pay me back', towards(CANCEL, 40, REFUND));
    expect(explainWorkflows(workflows, both).map(({ workflow, outcome }) => [workflow.id, outcome])).toEqual([
      ['refund', 'outranked'],
      ['cancel', 'fired'],
      ['disabled', 'disabled'],
    ]);
    expect(evaluateWorkflows(workflows, both).map((entry) => entry.workflow.id)).toEqual(['cancel']);
    // The same direction, tilted away from both (cosines × 0.85): cancel scores 0.82 < its 0.88, refund
    // 0.54 ≥ its 0.5; the message is not confidently cancel, and not refund either.
    const tilted = Float32Array.from([
      0.85 * cosineOf(40),
      0.85 * Math.sin((40 * Math.PI) / 180),
      0,
      Math.sqrt(1 - 0.85 ** 2),
    ]);
    const unsure = fromContact('hmm, about my contract and money', tilted);
    const outcomes = explainWorkflows(workflows.slice(0, 2), unsure);
    expect(outcomes.map(({ workflow, outcome }) => [workflow.id, outcome])).toEqual([
      ['refund', 'outranked'],
      ['cancel', 'below_threshold'],
    ]);
    expect(outcomes[1]!.match!.score).toBeGreaterThan(outcomes[0]!.match!.score);
    expect(outcomes[0]!.match!.score).toBeGreaterThanOrEqual(0.5);
    // A closest workflow that could not fire for this contact anyway (VIP only) does not hold the others back.
    const vipCancel = workflow({
      id: 'cancel',
      trigger: { ...workflows[1]!.trigger, conditions: { op: 'equals', attribute: 'vip', value: true } } as Trigger,
    });
    const forNonVip = explainWorkflows([workflows[0]!, vipCancel], { ...unsure, memory: { vip: false } });
    expect(forNonVip.map(({ workflow, outcome }) => [workflow.id, outcome])).toEqual([
      ['refund', 'fired'],
      ['cancel', 'below_threshold'],
    ]);
  });

  it('fires the higher priority first, whatever the scores, and by score within a priority', () => {
    const aiCancel = { type: 'ai_intent' as const, intents: ['cancel'] };
    const workflows = [
      workflow({ id: 'a-low', trigger: aiCancel }),
      workflow({ id: 'b-high', trigger: aiCancel, firing: { mode: 'every_time', priority: 10 } }),
      workflow({ id: 'c-cancel', firing: { mode: 'once_per_conversation', priority: 0 } }),
      workflow({ id: 'd-low', trigger: aiCancel, firing: { mode: 'cooldown', cooldownSeconds: 60, priority: 0 } }),
    ];
    // The AI intent workflows score the AI's confidence, 0.9; the intent workflow 1 (the same words).
    const input: TriggerInput = { ...fromContact('I want to cancel'), ai: { intent: 'cancel', confidence: 0.9 } };
    expect(evaluateWorkflows(workflows, input).map(({ workflow }) => workflow.id)).toEqual([
      'b-high',
      'c-cancel',
      'a-low',
      'd-low',
    ]);
  });

  it('between intent workflows as close to the message as each other, the higher priority is the match', () => {
    const vip = { ...cancel, conditions: { op: 'equals' as const, attribute: 'vip', value: true } };
    const general = workflow({ id: 'a-general' });
    const forVips = workflow({ id: 'b-vip', trigger: vip, firing: { mode: 'every_time', priority: 1 } });
    const vipMessage = { ...fromContact('I want to cancel'), memory: { vip: true } };
    expect(evaluateWorkflows([general, forVips], vipMessage).map(({ workflow }) => workflow.id)).toEqual(['b-vip']);
    // Without the priority, the tie goes to the workflow id.
    const unprioritised = { ...forVips, firing: { mode: 'every_time' as const } };
    expect(evaluateWorkflows([general, unprioritised], vipMessage).map(({ workflow }) => workflow.id)).toEqual([
      'a-general',
    ]);
    // A closer intent still wins over a higher priority: priority does not change what the message means.
    const refund = workflow({
      id: 'refund',
      trigger: { type: 'intent', phrases: ['refund my order', 'money back'], threshold: 0.5 },
      firing: { mode: 'every_time', priority: 100 },
    });
    const nearCancel = fromContact('end my contract and pay me back', towards(CANCEL, 40, REFUND));
    expect(evaluateWorkflows([refund, general], nearCancel).map(({ workflow }) => workflow.id)).toEqual(['a-general']);
  });
});

describe('intentPhraseIssues', () => {
  const intent = (phrases: string[], negativePhrases?: string[]): Trigger => ({
    type: 'intent',
    phrases,
    ...(negativePhrases ? { negativePhrases } : {}),
  });

  it('takes phrases that differ in words or in their order, and phrases of filler words alone ("please", "hi")', () => {
    expect(
      intentPhraseIssues(
        intent(
          ['I want to cancel', 'cancel', 'cancel, I want to', 'close my account', 'please', 'hi'],
          ['change my plan'],
        ),
      ),
    ).toEqual([]);
    expect(intentPhraseIssues({ type: 'conversation_end' } as Trigger)).toEqual([]);
  });

  it('names a repeated phrase, a negative phrase with the words of a phrase, and one with no letter or digit', () => {
    expect(
      intentPhraseIssues(
        intent(
          ["I don't want to cancel", 'i do not want to CANCEL!', '???', 'close my account'],
          ['close my account later', 'my account, close', '   '],
        ),
      ),
    ).toEqual([
      { field: '/trigger/phrases/1', reason: 'repeats /trigger/phrases/0 (but for case, punctuation or contractions)' },
      { field: '/trigger/phrases/2', reason: 'must contain a letter or a digit' },
      {
        field: '/trigger/negativePhrases/1',
        reason: 'has the same words as /trigger/phrases/3, which could then never fire',
      },
      { field: '/trigger/negativePhrases/2', reason: 'must contain a letter or a digit' },
    ]);
  });
});
