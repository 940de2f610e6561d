import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const KEY_PATTERN = /^awk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export interface IssuedApiKey {
  id: string;
  /** The key itself: shown once, never stored. */
  key: string;
  /** What is stored: SHA-256 of the key, hex. */
  keyHash: string;
}

/**
 * A new API key `awk_<id>_<secret>`: a public 12-character id (to find the key's record and to
 * show in listings) and 256 random bits. The key is random, not a password, so one SHA-256 is
 * enough to store it: there is nothing a slow KDF would protect against.
 */
export function issueApiKey(): IssuedApiKey {
  const id = [...randomBytes(12)].map((byte) => ID_ALPHABET[byte % ID_ALPHABET.length]).join('');
  const key = `awk_${id}_${randomBytes(32).toString('base64url')}`;
  return { id, key, keyHash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The id part of a well-formed key, or null for anything else. */
export function apiKeyIdOf(key: string): string | null {
  return KEY_PATTERN.exec(key)?.[1] ?? null;
}

/** What a listing shows of a key so that its owner can recognise it. */
export function apiKeyPrefix(id: string): string {
  return `awk_${id}`;
}

/** Whether `key` hashes to `keyHash`, compared in constant time. */
export function apiKeyMatches(key: string, keyHash: string): boolean {
  const expected = Buffer.from(keyHash, 'hex');
  const actual = createHash('sha256').update(key, 'utf8').digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Whether a presented secret equals the configured one, in constant time whatever their lengths. */
export function secretEquals(presented: string, configured: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(configured));
}
