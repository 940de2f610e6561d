import { workflowExecutedValidator, type WorkflowTriggered } from '@app/contracts';
import { executionResultOf } from './execution-result';

const trigger: WorkflowTriggered = {
  triggerId: 't1',
  tenantId: 'acme',
  conversationId: 'conv-1',
  workflow: { id: '00000000-0000-4000-8000-000000000001', version: 3, name: 'Cancel order' },
  event: { id: 'e1', source: '/p', type: 'conversation.message.created', time: '2026-11-24T10:00:00.000Z' },
  message: { id: 'm1', role: 'contact', text: 'cancel my order' },
  transcript: [{ role: 'contact', text: 'cancel my order', time: '2026-11-24T10:00:00.000Z' }],
  match: { type: 'intent', score: 1, threshold: 0.88, phrase: 'cancel my order' },
  firedAt: '2026-11-24T10:00:00.100Z',
};

describe('executionResultOf', () => {
  const execution = { executionId: 'exec-1', trigger, startedAt: '2026-11-24T10:00:01.000Z' };

  it('records a retrying delivery step with its attempts, reason and next attempt, timed from the execution’s start', () => {
    const attempts = [{ number: 1, startedAt: '2026-11-24T10:00:01.000Z', durationMs: 30, statusCode: 503 }];
    const result = executionResultOf(
      { ...execution, replay: 2 },
      {
        workflowVersion: 4,
        actionType: 'webhook',
        status: 'retrying',
        attempts,
        reason: 'HTTP 503',
        nextAttemptAt: '2026-11-24T10:00:06.000Z',
      },
      new Date('2026-11-24T10:00:01.250Z'),
    );
    expect(result).toEqual({
      executionId: 'exec-1',
      triggerId: 't1',
      tenantId: 'acme',
      conversationId: 'conv-1',
      workflowId: trigger.workflow.id,
      workflowVersion: 4,
      actionType: 'webhook',
      status: 'retrying',
      attempts,
      reason: 'HTTP 503',
      nextAttemptAt: '2026-11-24T10:00:06.000Z',
      eventTime: '2026-11-24T10:00:00.000Z',
      startedAt: '2026-11-24T10:00:01.000Z',
      finishedAt: '2026-11-24T10:00:01.250Z',
      latencyMs: 250,
      replay: 2,
    });
    expect(workflowExecutedValidator.check(result)).toBe(true);
  });

  it('names the contact when the trigger does, and leaves out what the step does not have', () => {
    const result = executionResultOf(
      { ...execution, trigger: { ...trigger, contact: { id: 'c1' } } },
      { workflowVersion: 3, actionType: 'tag', status: 'succeeded', attempts: [] },
      new Date('2026-11-24T10:00:00.500Z'),
    );
    expect(result.contactId).toBe('c1');
    expect(result).not.toHaveProperty('reason');
    expect(result).not.toHaveProperty('nextAttemptAt');
    expect(result).not.toHaveProperty('replay');
    // A clock that went back does not make a negative latency.
    expect(result.latencyMs).toBe(0);
    expect(workflowExecutedValidator.check(result)).toBe(true);
  });
});
