import { decodeExecutionCursor, encodeExecutionCursor } from './execution-cursor';
import { failureCause } from './failure-cause';

describe('execution cursor', () => {
  it('round-trips, and refuses tokens it did not issue', () => {
    const cursor = { startedAt: new Date('2026-11-24T10:15:00.123Z'), executionId: 'exec-1' };
    const token = encodeExecutionCursor(cursor);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeExecutionCursor(token)).toEqual(cursor);
    for (const bad of [
      '',
      'not-a-cursor',
      Buffer.from('["x","y"]').toString('base64url'),
      Buffer.from('{}').toString('base64url'),
    ]) {
      expect(decodeExecutionCursor(bad)).toBeNull();
    }
  });
});

describe('failure cause', () => {
  it('names the cause of a failed execution from its last attempt', () => {
    expect(failureCause({ status: 'succeeded', attempts: [{ statusCode: 200 }] })).toBeNull();
    expect(failureCause({ status: 'skipped', attempts: [] })).toBeNull();
    expect(failureCause({ status: 'failed', attempts: [] })).toBe('not_attempted');
    expect(
      failureCause({ status: 'failed', attempts: [{ statusCode: 500 }, { statusCode: 422, error: 'HTTP 422' }] }),
    ).toBe('http_422');
    expect(failureCause({ status: 'failed', attempts: [{ error: 'timed out after 1000 ms' }] })).toBe('timeout');
    expect(failureCause({ status: 'failed', attempts: [{ error: 'ECONNREFUSED' }] })).toBe('connection');
  });
});
