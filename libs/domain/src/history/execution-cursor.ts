/** Where a page of the execution log (newest first) ended: the last execution's start and id. */
export interface ExecutionCursor {
  startedAt: Date;
  executionId: string;
}

/** An opaque, URL-safe token for the next page. */
export function encodeExecutionCursor(cursor: ExecutionCursor): string {
  return Buffer.from(JSON.stringify([cursor.startedAt.toISOString(), cursor.executionId])).toString('base64url');
}

/** The cursor a token encodes, or null when it is not one this API issued. */
export function decodeExecutionCursor(token: string): ExecutionCursor | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) return null;
  const [startedAt, executionId] = parsed as unknown[];
  if (typeof startedAt !== 'string' || typeof executionId !== 'string' || executionId.length === 0) return null;
  const time = new Date(startedAt);
  return Number.isNaN(time.getTime()) ? null : { startedAt: time, executionId };
}
