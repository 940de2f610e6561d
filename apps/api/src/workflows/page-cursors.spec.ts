import { randomUUID } from 'node:crypto';
import {
  MAX_VERSION,
  decodeVersionCursor,
  decodeWorkflowCursor,
  encodeVersionCursor,
  encodeWorkflowCursor,
} from './page-cursors';

const token = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('page cursors', () => {
  it('read back what they wrote, each for its own list only', () => {
    const id = randomUUID();
    expect(decodeWorkflowCursor(encodeWorkflowCursor(id))).toBe(id);
    expect(decodeVersionCursor(encodeVersionCursor(7))).toBe(7);
    expect(decodeVersionCursor(encodeWorkflowCursor(id))).toBeNull();
    expect(decodeWorkflowCursor(encodeVersionCursor(7))).toBeNull();
    expect(decodeWorkflowCursor(token(['workflow', id.toUpperCase()]))).toBe(id);
  });

  it('refuse tokens they did not write', () => {
    for (const garbled of ['', 'not a cursor', token({ workflow: randomUUID() }), token(['workflow', 'abc'])]) {
      expect(decodeWorkflowCursor(garbled)).toBeNull();
    }
    // Version 1 has nothing before it; beyond PostgreSQL's integers a query would fail instead of answering 400.
    for (const version of [0, 1, 2.5, '3', MAX_VERSION + 1]) {
      expect(decodeVersionCursor(token(['version', version]))).toBeNull();
    }
    expect(decodeVersionCursor(token(['version', MAX_VERSION]))).toBe(MAX_VERSION);
  });
});
