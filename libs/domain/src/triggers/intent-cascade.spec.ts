import type { Trigger } from '@app/contracts';
import { explainWorkflows, type CandidateWorkflow, type WorkflowEvaluation } from './index';
import { MAX_UNSURE_CANDIDATES, unsureIntents } from './intent-cascade';

const intent = (id: string, threshold: number): CandidateWorkflow => ({
  id,
  name: id,
  status: 'enabled',
  trigger: { type: 'intent', phrases: [id], threshold } satisfies Trigger,
});

/** Evaluations as explainWorkflows makes them, from the scores each workflow's phrase gets. */
function evaluated(scores: Record<string, number>, threshold = 0.8): WorkflowEvaluation<CandidateWorkflow>[] {
  const workflows = Object.keys(scores).map((id) => intent(id, threshold));
  // One-dimensional "vectors": cos between [1, 0] and [s, √(1 − s²)] is s.
  const phrases = new Map(Object.entries(scores).map(([id, s]) => [id, Float32Array.from([s, Math.sqrt(1 - s * s)])]));
  return explainWorkflows(workflows, {
    message: { role: 'contact', text: 'a message with none of the phrases’ words' },
    semantics: { message: Float32Array.from([1, 0]), phrases },
  });
}

const ids = (workflows: CandidateWorkflow[] | null) => workflows?.map(({ id }) => id) ?? null;

describe('unsureIntents', () => {
  const margin = 0.06;
  const conversation = { preview: false };

  it('leaves it to the scores when nothing is within the margin of its threshold', () => {
    expect(unsureIntents(evaluated({ cancel: 0.7, refund: 0.5 }), margin, conversation)).toBeNull();
    expect(unsureIntents([], margin, conversation)).toBeNull();
  });

  it('leaves it to the scores when the closest fires and no other is close to it', () => {
    expect(unsureIntents(evaluated({ cancel: 0.9, refund: 0.85 }), margin, conversation)).toBeNull();
    expect(unsureIntents(evaluated({ cancel: 0.9, refund: 0.6 }), margin, conversation)).toBeNull();
  });

  it('is unsure when the closest is below its threshold by less than the margin', () => {
    expect(ids(unsureIntents(evaluated({ refund: 0.6, cancel: 0.77 }), margin, conversation))).toEqual(['cancel']);
    expect(ids(unsureIntents(evaluated({ refund: 0.75, cancel: 0.77 }), margin, conversation))).toEqual([
      'cancel',
      'refund',
    ]);
  });

  it('is unsure when the closest fires but a runner-up near its threshold is within a third of the margin', () => {
    expect(ids(unsureIntents(evaluated({ refund: 0.89, cancel: 0.9 }), margin, conversation))).toEqual([
      'cancel',
      'refund',
    ]);
    // A runner-up close to the best but far below its own threshold takes no part.
    const strictRefund = evaluated({ cancel: 0.9 }).concat(evaluated({ refund: 0.89 }, 0.99));
    expect(unsureIntents(strictRefund, margin, conversation)).toBeNull();
  });

  it('offers the closest candidates only, best first', () => {
    const scores = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`intent-${i}`, 0.79 - i * 0.001]));
    expect(ids(unsureIntents(evaluated(scores), margin, conversation))).toEqual(
      Array.from({ length: MAX_UNSURE_CANDIDATES }, (_, i) => `intent-${i}`),
    );
  });

  it('leaves out workflows that cannot fire here, however close: conditions false, disabled, a draft, not intent workflows', () => {
    const vipOnly: CandidateWorkflow = {
      ...intent('vip-cancel', 0.8),
      trigger: {
        type: 'intent',
        phrases: ['vip-cancel'],
        threshold: 0.8,
        conditions: { op: 'equals', attribute: 'vip', value: true },
      },
    };
    const workflows = [intent('cancel', 0.8), vipOnly, { ...intent('disabled', 0.8), status: 'disabled' as const }];
    const draft = { ...intent('draft', 0.8), status: 'draft' as const };
    const scores: Record<string, number> = { cancel: 0.77, 'vip-cancel': 0.79, disabled: 0.79, draft: 0.79 };
    const phrases = new Map(
      Object.entries(scores).map(([id, s]) => [id, Float32Array.from([s, Math.sqrt(1 - s * s)])]),
    );
    const input = {
      message: { role: 'contact' as const, text: 'a message with none of the phrases’ words' },
      semantics: { message: Float32Array.from([1, 0]), phrases },
      memory: { vip: false },
    };
    // All four are below their threshold; only `cancel` could fire for this contact here.
    expect(ids(unsureIntents(explainWorkflows([...workflows, draft], input), margin, conversation))).toEqual([
      'cancel',
    ]);
    // In a preview conversation the draft runs, and competes.
    expect(
      ids(
        unsureIntents(explainWorkflows([...workflows, draft], { ...input, preview: true }), margin, { preview: true }),
      ),
    ).toEqual(['draft', 'cancel']);
    const escalate: WorkflowEvaluation<CandidateWorkflow> = {
      workflow: { id: 'escalate', name: 'escalate', status: 'enabled', trigger: { type: 'failed_answers', count: 1 } },
      outcome: 'fired',
      match: { type: 'failed_answers', score: 1, threshold: 1 },
      conditions: null,
    };
    expect(unsureIntents([escalate], margin, conversation)).toBeNull();
  });
});
