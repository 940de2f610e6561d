import { createWorkflowRequestValidator } from '../api/workflows.api';
import { InvalidInputError } from '../validation';

function issuesOf(body: object): string[] {
  try {
    createWorkflowRequestValidator.parse({
      name: 'Nudge',
      action: { type: 'webhook', url: 'https://example.com/hook' },
      ...body,
    });
    return [];
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    return error.issues.map((issue) => `${issue.field} ${issue.reason}`);
  }
}

describe('no_reply trigger and draft status in a workflow', () => {
  it('accepts a no_reply trigger with conditions, and the draft status', () => {
    expect(
      issuesOf({
        status: 'draft',
        trigger: {
          type: 'no_reply',
          waitingFor: 'contact',
          seconds: 600,
          conditions: { op: 'equals', attribute: 'vip', value: true },
        },
      }),
    ).toEqual([]);
  });

  it('names the field and the reason of a bad no_reply trigger', () => {
    expect(issuesOf({ trigger: { type: 'no_reply', waitingFor: 'bot', seconds: 0 } })).toEqual([
      '/trigger/waitingFor must be one of "contact", "agent"',
      '/trigger/seconds must be >= 1',
    ]);
    expect(issuesOf({ trigger: { type: 'no_reply', waitingFor: 'agent', seconds: 31 * 24 * 3600 } })).toEqual([
      '/trigger/seconds must be <= 2592000',
    ]);
    expect(issuesOf({ trigger: { type: 'no_reply', waitingFor: 'agent' } })).toEqual(['/trigger/seconds is required']);
  });

  it('refuses an unknown status', () => {
    expect(issuesOf({ status: 'paused', trigger: { type: 'conversation_end' } })).toEqual([
      '/status must be one of "enabled", "draft", "disabled"',
    ]);
  });
});
