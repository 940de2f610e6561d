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
  if (typeof startedAt !== 'string' || typeof executionId !== 'string' || !isExecutionId(executionId)) return null;
  // Exactly what the encoder writes: anything else (another year range, another form) was not
  // issued here, and a year PostgreSQL cannot compare would fail the query instead.
  const time = new Date(startedAt);
  const issued = !Number.isNaN(time.getTime()) && time.toISOString() === startedAt && time.getTime() >= 0;
  return issued ? { startedAt: time, executionId } : null;
}

/** Execution ids are 1-256 characters (the contracts' `Id`), never U+0000, which PostgreSQL refuses. */
function isExecutionId(value: string): boolean {
  return value.length > 0 && value.length <= 256 && !value.includes('\u0000');
}
