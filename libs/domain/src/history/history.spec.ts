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
      // Not as the encoder writes them, or values PostgreSQL would refuse (a 500, not a 400).
      Buffer.from('["1","exec-1"]').toString('base64url'),
      Buffer.from('["2026-11-24T10:15:00Z","exec-1"]').toString('base64url'),
      Buffer.from('["-100000-01-01T00:00:00.000Z","exec-1"]').toString('base64url'),
      Buffer.from('["1969-12-31T23:59:59.999Z","exec-1"]').toString('base64url'),
      Buffer.from(JSON.stringify(['2026-11-24T10:15:00.123Z', 'exec\u0000-1'])).toString('base64url'),
      Buffer.from(JSON.stringify(['2026-11-24T10:15:00.123Z', 'x'.repeat(257)])).toString('base64url'),
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
