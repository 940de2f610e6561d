import { judgeAttempt, parseRetryAfter } from './delivery-outcome';

describe('judgeAttempt', () => {
  const now = new Date('2026-11-24T10:00:00Z');
  const judge = (statusCode?: number, headers?: Record<string, string>) =>
    judgeAttempt({ statusCode, headers }, now, 3_600_000);

  it('treats every 2xx as delivered', () => {
    expect(judge(200)).toEqual({ kind: 'delivered' });
    expect(judge(204)).toEqual({ kind: 'delivered' });
  });

  it('retries network errors, timeouts and 5xx', () => {
    expect(judge(undefined)).toEqual({ kind: 'retry', throttle: false });
    expect(judge(500)).toEqual({ kind: 'retry', throttle: false });
    expect(judge(503)).toEqual({ kind: 'retry', throttle: false });
  });

  it('throttles on 429, 502 and 504, honouring Retry-After', () => {
    expect(judge(429, { 'retry-after': '120' })).toEqual({ kind: 'retry', throttle: true, retryAfterMs: 120_000 });
    expect(judge(502)).toEqual({ kind: 'retry', throttle: true });
    expect(judge(504, { 'retry-after': 'Tue, 24 Nov 2026 10:00:30 GMT' })).toEqual({
      kind: 'retry',
      throttle: true,
      retryAfterMs: 30_000,
    });
  });

  it('gives up on redirects and other 4xx, and disables on 410', () => {
    expect(judge(302)).toEqual({ kind: 'final', reason: 'HTTP 302: redirects are not followed' });
    expect(judge(400)).toEqual({ kind: 'final', reason: 'HTTP 400' });
    expect(judge(404)).toEqual({ kind: 'final', reason: 'HTTP 404' });
    expect(judge(410)).toEqual({ kind: 'endpoint_gone' });
    // Even with the stop header a receiver may send on every error: 410 means the endpoint is gone.
    expect(judge(410, { 'x-webhook-stop-retries': 'true' })).toEqual({ kind: 'endpoint_gone' });
  });

  it('stops when the receiver asks, and on permanent errors', () => {
    expect(judge(500, { 'x-webhook-stop-retries': 'true' })).toEqual({
      kind: 'final',
      reason: 'HTTP 500; the receiver asked not to retry',
    });
    expect(judgeAttempt({ permanentError: 'refused by the SSRF policy' }, now, 1)).toEqual({
      kind: 'final',
      reason: 'refused by the SSRF policy',
    });
  });
});

describe('parseRetryAfter', () => {
  const now = new Date('2026-11-24T10:00:00Z');
  it('reads seconds and HTTP dates, caps them and ignores garbage', () => {
    expect(parseRetryAfter('5', now, 60_000)).toBe(5_000);
    expect(parseRetryAfter('86400', now, 60_000)).toBe(60_000);
    expect(parseRetryAfter('Tue, 24 Nov 2026 09:00:00 GMT', now, 60_000)).toBe(0);
    expect(parseRetryAfter('soon', now, 60_000)).toBeUndefined();
    expect(parseRetryAfter(undefined, now, 60_000)).toBeUndefined();
  });

  it('reads the three HTTP date forms, caps a delay too long for a number, and reads no other text as a date', () => {
    expect(parseRetryAfter('Tue, 24 Nov 2026 10:00:30 GMT', now, 60_000)).toBe(30_000);
    expect(parseRetryAfter('Tuesday, 24-Nov-26 10:00:30 GMT', now, 60_000)).toBe(30_000);
    expect(parseRetryAfter('Tue Nov 24 10:00:30 2026', now, 60_000)).toBe(30_000);
    expect(parseRetryAfter('Tue, 24 Nov 2026 12:00:30 +0200', now, 60_000)).toBe(30_000);
    expect(parseRetryAfter('9'.repeat(400), now, 60_000)).toBe(60_000);
    expect(parseRetryAfter('1.5', now, 60_000)).toBeUndefined();
    expect(parseRetryAfter('-5', now, 60_000)).toBeUndefined();
  });
});
