import type { Trigger } from '@app/contracts';
import { evaluateWorkflows, explainWorkflows, type CandidateWorkflow, type TriggerInput } from './index';
import { EXACT_SCAN_LIMIT, PhraseSearch } from './phrase-search';
import { WorkflowIndex } from './workflow-index';

const workflow = (id: string, trigger: Trigger, status: 'enabled' | 'disabled' = 'enabled'): CandidateWorkflow => ({
  id,
  name: id,
  status,
  trigger,
});

/** A seeded unit vector, standing in for a sentence encoder's. */
function randomUnitVector(random: () => number, dimensions = 8): Float32Array {
  const vector = Float32Array.from({ length: dimensions }, () => random() * 2 - 1);
  const length = Math.hypot(...vector);
  return vector.map((value) => value / length);
}

function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('WorkflowIndex', () => {
  const workflows = [
    workflow('cancel', { type: 'intent', phrases: ['I want to cancel', 'close my account'] }),
    workflow('refund', { type: 'intent', phrases: ['refund my order', 'money back'], threshold: 0.5 }),
    workflow('card', { type: 'intent', phrases: ['my card is lost', 'card stolen'] }),
    workflow('anything', { type: 'intent', phrases: ['whatever'], threshold: 0 }),
    workflow('off', { type: 'intent', phrases: ['I want to cancel'] }, 'disabled'),
    workflow('escalate', { type: 'failed_answers', count: 1 }),
    workflow('ai', { type: 'ai_intent', intents: ['cancel'] }),
  ];
  const random = seededRandom(7);
  const phraseVectors = new Map(
    workflows
      .flatMap(({ trigger }) => (trigger.type === 'intent' ? trigger.phrases : []))
      .map((p) => [p, randomUnitVector(random)]),
  );
  const index = new WorkflowIndex(workflows, phraseVectors);
  const ids = (fired: { workflow: CandidateWorkflow }[]) => fired.map((entry) => entry.workflow.id);

  it.each([
    'I want to cancel my order',
    'I want to cancel',
    'can I get my money back?',
    'my card was stolen yesterday',
    'what are your opening hours',
    '',
  ])('decides like a full scan on %j', (text) => {
    const input: TriggerInput = { message: { role: 'contact', text }, ai: { intent: 'cancel' } };
    if (index.wantsMessageVector(input))
      input.semantics = { message: randomUnitVector(random), phrases: phraseVectors };
    expect(ids(index.evaluate(input))).toEqual(ids(evaluateWorkflows(workflows, input)));
  });

  it('finds a workflow by its phrase’s words despite typos, without a model', () => {
    const withoutModel = new WorkflowIndex(workflows);
    const input: TriggerInput = { message: { role: 'contact', text: 'I want to cancle' } };
    expect(ids(withoutModel.evaluate(input))).toEqual(['cancel']);
    expect(ids(withoutModel.evaluate(input))).toEqual(ids(evaluateWorkflows(workflows, input)));
    expect(index.wantsMessageVector(input)).toBe(false);
  });

  it('finds a typo as close to a word of one workflow as to one of another, as each workflow alone would', () => {
    const close = workflow('close', { type: 'intent', phrases: ['close my account'] });
    const clone = workflow('clone', { type: 'intent', phrases: ['clone my repository'] });
    const both = new WorkflowIndex([close, clone]);
    const input: TriggerInput = { message: { role: 'contact', text: 'cloce my account' } };
    expect(ids(both.evaluate(input))).toEqual(['close']);
    expect(ids(both.evaluate(input))).toEqual(ids(evaluateWorkflows([close, clone], input)));
    expect(both.wantsMessageVector(input)).toBe(false);
    // A word one workflow spells exactly ("acount") may be another's typo.
    const misspelt = workflow('misspelt', { type: 'intent', phrases: ['close my acount'] });
    const deleting = workflow('delete', { type: 'intent', phrases: ['delete my account'] });
    const deleteIt: TriggerInput = { message: { role: 'contact', text: 'delete my acount' } };
    expect(ids(new WorkflowIndex([misspelt, deleting]).evaluate(deleteIt))).toEqual(['delete']);
    expect(ids(evaluateWorkflows([misspelt, deleting], deleteIt))).toEqual(['delete']);
    // A phrase repeated word for word is found, however many typo readings its words have.
    const made = workflow('made-up', { type: 'intent', phrases: ['zorbex klimta frovan plesko drunah maltir quenzo'] });
    const near = workflow('near', { type: 'intent', phrases: ['zorbax klimto frovin plesku drunoh maltor quenza'] });
    const exactly: TriggerInput = {
      message: { role: 'contact', text: 'zorbex klimta frovan plesko drunah maltir quenzo' },
    };
    expect(ids(new WorkflowIndex([made, near]).evaluate(exactly))).toEqual(['made-up']);
    expect(new WorkflowIndex([made, near]).wantsMessageVector(exactly)).toBe(false);
  });

  it('wants the message’s vector only for contact messages without a same-words phrase', () => {
    const contact = (text: string): TriggerInput => ({ message: { role: 'contact', text } });
    expect(index.wantsMessageVector(contact('please terminate my account'))).toBe(true);
    expect(index.wantsMessageVector(contact('I want to CANCEL!'))).toBe(false);
    expect(index.wantsMessageVector({ message: { role: 'ai', text: 'please terminate my account' } })).toBe(false);
    expect(new WorkflowIndex(workflows).wantsMessageVector(contact('please terminate my account'))).toBe(false);
    const noIntents = new WorkflowIndex(
      workflows.filter(({ trigger }) => trigger.type !== 'intent'),
      phraseVectors,
    );
    expect(noIntents.wantsMessageVector(contact('please terminate my account'))).toBe(false);
  });

  it('wants the vector when the same-words workflow cannot fire for the contact, so that the others are compared by meaning', () => {
    const vipOnly = workflow('vip-cancel', {
      type: 'intent',
      phrases: ['cancel my subscription'],
      conditions: { op: 'equals', attribute: 'vip', value: true },
    });
    const membership = workflow('membership', { type: 'intent', phrases: ['end my membership'] });
    const vectors = new Map([
      ['cancel my subscription', Float32Array.from([1, 0])],
      ['end my membership', Float32Array.from([0.95, Math.sqrt(1 - 0.95 ** 2)])],
    ]);
    const vipIndex = new WorkflowIndex([vipOnly, membership], vectors);
    const message = { role: 'contact' as const, text: 'cancel my subscription' };
    expect(vipIndex.wantsMessageVector({ message, memory: { vip: true } })).toBe(false);
    const nonVip: TriggerInput = { message, memory: { vip: false } };
    expect(vipIndex.wantsMessageVector(nonVip)).toBe(true);
    nonVip.semantics = { message: Float32Array.from([1, 0]), phrases: vectors };
    expect(ids(vipIndex.evaluate(nonVip))).toEqual(['membership']);
  });

  it('finds a closer workflow below its threshold that outranks the one that would fire', () => {
    const inPlane = (degrees: number) =>
      Float32Array.from([Math.cos((degrees * Math.PI) / 180), Math.sin((degrees * Math.PI) / 180)]);
    const loose = workflow('loose', { type: 'intent', phrases: ['forty degrees'], threshold: 0.5 });
    const strict = workflow('strict', { type: 'intent', phrases: ['ten degrees'], threshold: 0.99 });
    const vectors = new Map([
      ['forty degrees', inPlane(40)],
      ['ten degrees', inPlane(10)],
    ]);
    const input: TriggerInput = {
      message: { role: 'contact', text: 'zero' },
      semantics: { message: inPlane(0), phrases: vectors },
    };
    expect(ids(new WorkflowIndex([loose], vectors).evaluate(input))).toEqual(['loose']);
    // strict: cos 10° = 0.985 < 0.99, yet closer than loose (cos 40° = 0.77): nothing fires.
    expect(ids(new WorkflowIndex([loose, strict], vectors).evaluate(input))).toEqual([]);
    expect(ids(evaluateWorkflows([loose, strict], input))).toEqual([]);
  });

  it('explains every intent workflow within the margin of its threshold, and only those', () => {
    // Wide enough for random 8-dimensional vectors to come near some thresholds.
    const margin = 0.3;
    let nearFound = 0;
    for (let round = 0; round < 20; round += 1) {
      const input: TriggerInput = {
        message: { role: 'contact', text: `message ${round}` },
        semantics: { message: randomUnitVector(random), phrases: phraseVectors },
      };
      const near = ({ match }: { match: { type: string; score: number; threshold: number } | null }) =>
        match?.type === 'intent' && match.score >= match.threshold - margin;
      const explained = index.explainNearIntents(input, margin);
      nearFound += explained.filter(near).length;
      expect(
        explained
          .filter(near)
          .map(({ workflow }) => workflow.id)
          .sort(),
      ).toEqual(
        explainWorkflows(
          workflows.filter(({ status }) => status === 'enabled'),
          input,
        )
          .filter(near)
          .map(({ workflow }) => workflow.id)
          .sort(),
      );
      expect(explained.every(({ workflow }) => workflow.trigger.type === 'intent')).toBe(true);
    }
    expect(nearFound).toBeGreaterThan(5);
    expect(index.explainNearIntents({ message: { role: 'ai', text: 'I want to cancel' } }, margin)).toEqual([]);
    // Without the message's vector, only same-words phrases are near (even a threshold of 0 needs a score).
    const sameWords = index.explainNearIntents({ message: { role: 'contact', text: 'I want to CANCEL' } }, margin);
    expect(sameWords.map(({ workflow, outcome }) => [workflow.id, outcome])).toEqual([['cancel', 'fired']]);
  });

  it('looks AI-decision workflows up by the intent the AI detected or the workflow it asked for', () => {
    const aiWorkflows = [
      workflow('cancel-ai', { type: 'ai_intent', intents: ['Cancel', 'close_account'] }),
      workflow('cancel-ai-any', { type: 'ai_intent', intents: ['cancel'], minConfidence: 0 }),
      workflow('refund-ai', { type: 'ai_intent', intents: ['refund'] }),
      workflow('refund-ai-off', { type: 'ai_intent', intents: ['refund'] }, 'disabled'),
      { ...workflow('wf-7', { type: 'ai_request' }), name: 'Talk To Sales' },
      // Named like the other's id, and first by priority: a request for "wf-7" still runs wf-7, named by its id.
      {
        ...workflow('wf-8', { type: 'ai_request' }),
        name: 'wf-7',
        firing: { mode: 'every_time' as const, priority: 1 },
      },
      // Another "Talk To Sales", first by priority: a request by that name runs it.
      {
        ...workflow('wf-9', { type: 'ai_request' }),
        name: 'talk to SALES',
        firing: { mode: 'every_time' as const, priority: 1 },
      },
      // An id in mixed case (the CLI's are the author's): requested in another case, still found.
      { ...workflow('CancelFlow', { type: 'ai_request' }), name: 'Cancel my order' },
      workflow('escalate', { type: 'failed_answers', count: 1 }),
    ];
    const aiIndex = new WorkflowIndex(aiWorkflows);
    const annotations: TriggerInput['ai'][] = [
      { intent: 'CANCEL', confidence: 0.9 },
      { intent: 'close_account', confidence: 0.1 },
      { intent: 'refund' },
      { intent: 'billing' },
      { requestedWorkflow: 'wf-7' },
      { requestedWorkflow: 'WF-7' },
      { requestedWorkflow: 'talk to sales', intent: 'refund' },
      { requestedWorkflow: 'cancelflow' },
      { answered: false },
      undefined,
    ];
    for (const ai of annotations) {
      for (const role of ['contact', 'ai'] as const) {
        const input: TriggerInput = { message: { role, text: 'hello' }, ...(ai ? { ai } : {}), failedAnswers: 1 };
        expect(ids(aiIndex.evaluate(input))).toEqual(ids(evaluateWorkflows(aiWorkflows, input)));
      }
    }
    expect(ids(aiIndex.evaluate({ ai: { intent: 'cancel', confidence: 0.9 } }))).toEqual([
      'cancel-ai',
      'cancel-ai-any',
    ]);
    expect(ids(aiIndex.evaluate({ ai: { requestedWorkflow: 'wf-7' } }))).toEqual(['wf-7']);
    expect(ids(aiIndex.evaluate({ ai: { requestedWorkflow: 'cancelflow' } }))).toEqual(['CancelFlow']);
    expect(ids(aiIndex.evaluate({ ai: { requestedWorkflow: 'Talk to Sales' } }))).toEqual(['wf-9']);
    const outcomes = (requestedWorkflow: string) =>
      explainWorkflows(aiWorkflows, { ai: { requestedWorkflow } }).map(({ workflow, outcome }) => [
        workflow.id,
        outcome,
      ]);
    expect(outcomes('wf-7')).toEqual(
      expect.arrayContaining([
        ['wf-7', 'fired'],
        ['wf-8', 'outranked'],
      ]),
    );
    expect(outcomes('talk to sales')).toEqual(
      expect.arrayContaining([
        ['wf-7', 'outranked'],
        ['wf-9', 'fired'],
      ]),
    );
  });

  it('still evaluates non-intent triggers on AI messages', () => {
    const input = { message: { role: 'ai' as const, text: 'sorry' }, ai: { answered: false }, failedAnswers: 1 };
    expect(ids(index.evaluate(input))).toEqual(['escalate']);
  });

  it('refuses workflows whose phrases have no vector', () => {
    expect(() => new WorkflowIndex(workflows, new Map())).toThrow('no vector for the intent phrase "I want to cancel"');
  });
});

describe('PhraseSearch', () => {
  it('past the exact-scan limit, still finds the owners of a phrase queried with that phrase’s own vector', () => {
    const random = seededRandom(11);
    const vectors = Array.from({ length: EXACT_SCAN_LIMIT + 1_000 }, () => randomUnitVector(random));
    // Each vector belongs to two owners, as phrases recur across workflows.
    const search = new PhraseSearch(
      vectors.flatMap((vector, i) => [0, 1].map((copy) => ({ vector, owner: 2 * i + copy }))),
    );
    vectors.forEach((vector, i) => {
      if (i % 97 === 0)
        expect(search.nearOwners(vector, 0.999)).toEqual(
          new Map(
            [
              [2 * i, 1],
              [2 * i + 1, 1],
            ].map(([o]) => [o!, expect.closeTo(1, 5)]),
          ),
        );
    });
  });

  it('scans every phrase of a small set: owners at or above the floor, with their best similarity', () => {
    const axis = (i: number) => Float32Array.from({ length: 3 }, (_, j) => (i === j ? 1 : 0));
    const search = new PhraseSearch([
      { vector: axis(0), owner: 'x' },
      { vector: axis(1), owner: 'y' },
      { vector: axis(2), owner: 'y' },
    ]);
    expect(search.nearOwners(Float32Array.from([0.6, 0.8, 0]), 0.5)).toEqual(
      new Map([
        ['x', expect.closeTo(0.6, 5)],
        ['y', expect.closeTo(0.8, 5)],
      ]),
    );
    expect(search.nearOwners(Float32Array.from([0.6, 0.8, 0]), 0.7)).toEqual(new Map([['y', expect.closeTo(0.8, 5)]]));
  });
});
