import { createWorkflowRequestValidator } from '../api/workflows.api';
import { InvalidInputError } from '../validation';

const request = (conditions: unknown) => ({
  name: 'Cancel for enterprise',
  trigger: { type: 'intent', phrases: ['I want to cancel'], conditions },
  action: { type: 'webhook', url: 'https://example.com/hook' },
});

function fieldsOf(conditions: unknown): string[] {
  try {
    createWorkflowRequestValidator.parse(request(conditions));
    return [];
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    return error.issues.map((issue) => `${issue.field} ${issue.reason}`);
  }
}

describe('condition language in a workflow', () => {
  it('accepts nested combinators and every comparison', () => {
    expect(
      fieldsOf({
        op: 'all',
        of: [
          { op: 'equals', attribute: 'vip', value: true },
          { op: 'in', attribute: 'plan', value: ['enterprise', 'business'] },
          { op: 'not', of: { op: 'exists', attribute: 'churned' } },
          {
            op: 'any',
            of: [
              { op: 'greaterThan', attribute: 'previousIssues', value: 0 },
              { op: 'lessThan', attribute: 'nps', value: 7 },
              { op: 'contains', attribute: 'tags', value: 'billing' },
              { op: 'before', attribute: 'contract.renewsAt', value: '2027-01-01T00:00:00Z' },
              { op: 'after', attribute: 'lastOrderAt', value: '2026-01-01T00:00:00Z' },
            ],
          },
        ],
      }),
    ).toEqual([]);
  });

  it('names the field and the reason of each mistake, however deep', () => {
    expect(fieldsOf({ op: 'equal', attribute: 'vip', value: true })).toEqual([
      expect.stringMatching(/^\/trigger\/conditions\/op must be one of "all", "any", "not", "equals"/),
    ]);
    expect(fieldsOf({ op: 'all', of: [{ op: 'greaterThan', attribute: 'previousIssues', value: 'zero' }] })).toEqual([
      '/trigger/conditions/of/0/value must be number',
    ]);
    expect(fieldsOf({ op: 'any', of: [] })).toEqual(['/trigger/conditions/of must NOT have fewer than 1 items']);
    expect(fieldsOf({ op: 'exists', attribute: 'plan', value: 1 })).toEqual([
      '/trigger/conditions/value is not allowed',
    ]);
    for (const attribute of ['', '.plan', 'plan.', 'address..country', 'tab\there']) {
      expect(fieldsOf({ op: 'in', attribute, value: ['x'] })).toEqual([
        expect.stringMatching(/^\/trigger\/conditions\/attribute must (match pattern|NOT have fewer)/),
      ]);
    }
    // Whatever names memory holds: hyphens, spaces, letters beyond ASCII.
    for (const attribute of ['plan-tier', 'first name', 'città', '2fa', 'plan.tier-name']) {
      expect(fieldsOf({ op: 'exists', attribute })).toEqual([]);
    }
    expect(fieldsOf({ op: 'before', attribute: 'renewsAt', value: 'next week' })).toEqual([
      '/trigger/conditions/value must match format "date-time"',
    ]);
  });
});
