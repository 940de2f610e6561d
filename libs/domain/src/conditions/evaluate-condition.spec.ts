import type { Condition } from '@app/contracts';
import { evaluateCondition } from './evaluate-condition';

const memory = {
  vip: true,
  plan: 'enterprise',
  previousIssues: 2,
  tags: ['billing', 'churn-risk'],
  note: 'Prefers EMAIL contact',
  renewsAt: '2026-12-01T00:00:00Z',
  signedUpOn: '2024-06-01',
  lastSeen: '2024-06-01T09:30:00',
  birthday: 'May 5',
  address: { country: 'NL' },
  'plan.tier': 'gold',
  cleared: null,
};
const is = (condition: Condition) => evaluateCondition(condition, memory).result;

describe('evaluateCondition', () => {
  it.each<[Condition, boolean]>([
    [{ op: 'equals', attribute: 'vip', value: true }, true],
    [{ op: 'equals', attribute: 'vip', value: 'true' }, false],
    [{ op: 'in', attribute: 'plan', value: ['enterprise', 'business'] }, true],
    [{ op: 'in', attribute: 'plan', value: ['free'] }, false],
    [{ op: 'contains', attribute: 'tags', value: 'billing' }, true],
    [{ op: 'contains', attribute: 'note', value: 'email' }, true],
    [{ op: 'contains', attribute: 'note', value: 'phone' }, false],
    [{ op: 'exists', attribute: 'plan' }, true],
    [{ op: 'exists', attribute: 'cleared' }, false],
    [{ op: 'exists', attribute: 'nothing' }, false],
    [{ op: 'greaterThan', attribute: 'previousIssues', value: 0 }, true],
    [{ op: 'lessThan', attribute: 'previousIssues', value: 2 }, false],
    [{ op: 'greaterThan', attribute: 'plan', value: 0 }, false],
    [{ op: 'before', attribute: 'renewsAt', value: '2027-01-01T00:00:00Z' }, true],
    [{ op: 'after', attribute: 'renewsAt', value: '2027-01-01T00:00:00Z' }, false],
    [{ op: 'after', attribute: 'plan', value: '2000-01-01T00:00:00Z' }, false],
    // A date is midnight UTC; text that is no RFC 3339 time (no offset, or no date at all) is not one.
    [{ op: 'before', attribute: 'signedUpOn', value: '2024-06-01T00:00:01Z' }, true],
    [{ op: 'after', attribute: 'lastSeen', value: '2024-06-01T00:00:00Z' }, false],
    [{ op: 'before', attribute: 'lastSeen', value: '2030-01-01T00:00:00Z' }, false],
    [{ op: 'after', attribute: 'birthday', value: '2000-01-01T00:00:00Z' }, false],
    [{ op: 'equals', attribute: 'address.country', value: 'NL' }, true],
    [{ op: 'equals', attribute: 'address.city.name', value: 'NL' }, false],
    // An attribute whose own name has dots is found by it.
    [{ op: 'equals', attribute: 'plan.tier', value: 'gold' }, true],
  ])('%j is %s', (condition, expected) => {
    expect(is(condition)).toBe(expected);
  });

  it('combines with all, any and not, and explains each comparison', () => {
    const vipEnterpriseWithIssues: Condition = {
      op: 'all',
      of: [
        { op: 'equals', attribute: 'vip', value: true },
        { op: 'in', attribute: 'plan', value: ['enterprise'] },
        { op: 'not', of: { op: 'lessThan', attribute: 'previousIssues', value: 1 } },
      ],
    };
    const outcome = evaluateCondition(vipEnterpriseWithIssues, memory);
    expect(outcome.result).toBe(true);
    expect(outcome.comparisons).toEqual([
      { pointer: '/of/0', op: 'equals', attribute: 'vip', expected: true, actual: true, result: true },
      { pointer: '/of/1', op: 'in', attribute: 'plan', expected: ['enterprise'], actual: 'enterprise', result: true },
      // Under the not: false here is what makes the condition true.
      { pointer: '/of/2/of', op: 'lessThan', attribute: 'previousIssues', expected: 1, actual: 2, result: false },
    ]);
    expect(
      is({
        op: 'any',
        of: [
          { op: 'equals', attribute: 'plan', value: 'free' },
          { op: 'exists', attribute: 'vip' },
        ],
      }),
    ).toBe(true);
    expect(evaluateCondition(vipEnterpriseWithIssues, {}).result).toBe(false);
  });

  it.each<[string, Condition, boolean, [string, boolean][]]>([
    [
      'all',
      {
        op: 'all',
        of: [
          { op: 'equals', attribute: 'vip', value: false },
          { op: 'in', attribute: 'plan', value: ['free'] },
        ],
      },
      false,
      [
        ['/of/0', false],
        ['/of/1', false],
      ],
    ],
    [
      'any',
      {
        op: 'any',
        of: [
          { op: 'equals', attribute: 'vip', value: true },
          { op: 'in', attribute: 'plan', value: ['free'] },
        ],
      },
      true,
      [
        ['/of/0', true],
        ['/of/1', false],
      ],
    ],
  ])('%s reports every comparison, not only the first that decided', (_, condition, result, comparisons) => {
    const outcome = evaluateCondition(condition, memory);
    expect(outcome.result).toBe(result);
    expect(outcome.comparisons.map(({ pointer, result: each }) => [pointer, each])).toEqual(comparisons);
  });

  it('does not read inherited properties as attributes', () => {
    expect(is({ op: 'exists', attribute: 'constructor' })).toBe(false);
  });
});
