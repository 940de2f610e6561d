import { canonicalUuid, isUuid } from '@app/contracts';

/** The largest version number (versions are PostgreSQL integers). */
export const MAX_VERSION = 2_147_483_647;

/** Why a `cursor` is refused: garbled, of the other list, or naming none of the tenant's workflows. */
export const NOT_A_CURSOR = 'is not a cursor of this list';

/*
 * Opaque, URL-safe tokens for the next page of the workflow lists. A workflow page ends at a
 * workflow (its id: the database compares creation times itself, to the microsecond a JavaScript
 * Date cannot hold); a version page ends at a version number. Each token names its list, so a
 * cursor of one list is refused by the other.
 */

export function encodeWorkflowCursor(lastWorkflowId: string): string {
  return encode(['workflow', lastWorkflowId]);
}

/** The id of the last workflow of the previous page, or null when the token is not such a cursor. */
export function decodeWorkflowCursor(token: string): string | null {
  const parsed = decode(token);
  if (parsed?.[0] !== 'workflow' || typeof parsed[1] !== 'string' || !isUuid(parsed[1])) return null;
  return canonicalUuid(parsed[1]);
}

export function encodeVersionCursor(lastVersion: number): string {
  return encode(['version', lastVersion]);
}

/** The last version of the previous page (newest first), or null when the token is not such a cursor. */
export function decodeVersionCursor(token: string): number | null {
  const parsed = decode(token);
  const version = parsed?.[1];
  if (
    parsed?.[0] !== 'version' ||
    typeof version !== 'number' ||
    !Number.isInteger(version) ||
    version < 2 ||
    version > MAX_VERSION
  ) {
    return null;
  }
  return version;
}

function encode(parts: [string, string | number]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

function decode(token: string): unknown[] | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    return Array.isArray(parsed) && parsed.length === 2 ? parsed : null;
  } catch {
    return null;
  }
}
