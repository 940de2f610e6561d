import {
  DEFAULT_UNSURE_MARGIN,
  evaluateWorkflows,
  explainWorkflows,
  unsureIntents,
  type CandidateWorkflow,
  type TriggerInput,
} from '@app/domain';
import { IntentVectors, OnnxSentenceEncoder } from '@app/intent-model';

/**
 * The intent matcher with the real model (bge-small-en-v1.5, fetched by the test setup into
 * INTENT_MODEL_DIR): what authors expect of phrases they write, on messages none of them wrote.
 */
describe('intent matching with the sentence model', () => {
  const intent = (id: string, phrases: string[], extra: { negativePhrases?: string[]; threshold?: number } = {}) =>
    ({ id, name: id, status: 'enabled', trigger: { type: 'intent', phrases, ...extra } }) satisfies CandidateWorkflow;
  const cancel = intent(
    'cancel',
    [
      'I want to cancel my subscription',
      'close my account',
      'stop my subscription',
      'how do I unsubscribe',
      'delete my account',
      'end my membership',
    ],
    { negativePhrases: ["I don't want to cancel", 'change my plan'] },
  );
  const changePlan = intent('change-plan', ['change my plan', 'upgrade my subscription', 'switch to a cheaper plan']);
  const refund = intent('refund', [
    'I want my money back',
    'can I get a refund',
    'refund my order',
    'I paid for something I did not get',
  ]);
  const workflows = [cancel, changePlan, refund];
  let vectors: IntentVectors;

  beforeAll(async () => {
    vectors = new IntentVectors(await OnnxSentenceEncoder.load(process.env.INTENT_MODEL_DIR!));
  });

  const fired = async (text: string, candidates: CandidateWorkflow[] = workflows) => {
    const input: TriggerInput = {
      message: { role: 'contact', text },
      semantics: await vectors.semanticsFor(text, candidates),
    };
    return evaluateWorkflows(candidates, input).map(({ workflow }) => workflow.id);
  };

  it.each([
    ['please close my account for good', 'cancel'],
    ['how can I unsubscribe from this service?', 'cancel'],
    ['I would like to end my subscription', 'cancel'],
    ['refund please', 'refund'],
    ['can you give me my money back for this order', 'refund'],
    ['I want to move to a cheaper plan', 'change-plan'],
  ])('fires on the paraphrase %j: best %s', async (text, best) => {
    expect((await fired(text))[0]).toBe(best);
  });

  it.each(['what are your opening hours?', 'my parcel has not arrived yet', 'thanks, that was helpful!', 'hello'])(
    'stays quiet on the unrelated %j',
    async (text) => {
      expect(await fired(text)).toEqual([]);
    },
  );

  it('stays quiet on a negation the author listed as a negative phrase, and leaves the field to the right workflow', async () => {
    const text = "I don't want to cancel, just change my plan";
    const input: TriggerInput = {
      message: { role: 'contact', text },
      semantics: await vectors.semanticsFor(text, workflows),
    };
    const explained = Object.fromEntries(
      explainWorkflows(workflows, input).map((evaluation) => [evaluation.workflow.id, evaluation]),
    );
    expect(explained.cancel!.outcome).toBe('below_threshold');
    expect(explained.cancel!.match?.detail).toMatch(/^matches the negative phrase/);
    // The plan change is the closest, just under its threshold (three phrases: the floor of 0.85):
    // intent matching is unsure, and a decision provider, when one is set, is asked about it alone.
    expect(unsureIntents(Object.values(explained), DEFAULT_UNSURE_MARGIN, {})?.map(({ id }) => id)).toEqual([
      'change-plan',
    ]);
    expect(await fired('just change my plan')).toEqual(['change-plan']);
  });

  it.each([
    ["I don't want to cancel my subscription", 'cancel'],
    ['I do not wish to close my account, I love it', 'cancel'],
    ['please never delete my account', 'cancel'],
  ])('stays quiet on the negation %j with no negative phrase listed', async (text, workflow) => {
    const withoutNegatives = intent(workflow, cancel.trigger.phrases);
    expect(await fired(text, [withoutNegatives])).toEqual([]);
    const [explained] = explainWorkflows([withoutNegatives], {
      message: { role: 'contact', text },
      semantics: await vectors.semanticsFor(text, [withoutNegatives]),
    });
    expect(explained!.match?.detail).toMatch(/^the message denies "/);
  });

  it.each(["I can't cancel my subscription", "I haven't used it in months, please cancel my subscription"])(
    'does not take %j for a refusal: an inability, or another word denied',
    async (text) => {
      const withoutNegatives = intent('cancel', cancel.trigger.phrases);
      const [explained] = explainWorkflows([withoutNegatives], {
        message: { role: 'contact', text },
        semantics: await vectors.semanticsFor(text, [withoutNegatives]),
      });
      expect(explained!.match?.detail).toBeUndefined();
      expect(explained!.match!.score).toBeGreaterThan(0.75);
    },
  );

  it('honours a workflow’s own threshold', async () => {
    const text = 'please close my account for good';
    const strict = intent('strict', cancel.trigger.phrases, { threshold: 0.99 });
    expect(await fired(text, [strict])).toEqual([]);
    expect(await fired(text, [{ ...strict, trigger: { ...strict.trigger, threshold: 0.5 } }])).toEqual(['strict']);
  });
});
