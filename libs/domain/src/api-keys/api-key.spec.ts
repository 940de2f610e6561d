import { apiKeyIdOf, apiKeyMatches, apiKeyPrefix, hashApiKey, issueApiKey, secretEquals } from './api-key';

describe('API keys', () => {
  it('issues distinct awk_ keys whose id can be read back and whose hash is stored', () => {
    const first = issueApiKey();
    const second = issueApiKey();
    expect(first.key).toMatch(/^awk_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(first.key).not.toBe(second.key);
    expect(first.id).not.toBe(second.id);
    expect(apiKeyIdOf(first.key)).toBe(first.id);
    expect(first.keyHash).toBe(hashApiKey(first.key));
    expect(first.keyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(first.keyHash).not.toContain(first.key.slice(17));
    expect(apiKeyPrefix(first.id)).toBe(first.key.slice(0, 16));
  });

  it('accepts the key and refuses any other against the stored hash', () => {
    const { key, keyHash } = issueApiKey();
    expect(apiKeyMatches(key, keyHash)).toBe(true);
    expect(apiKeyMatches(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`, keyHash)).toBe(false);
    expect(apiKeyMatches(issueApiKey().key, keyHash)).toBe(false);
  });

  it('reads no id from malformed keys', () => {
    for (const candidate of ['', 'awk_', 'awk_short_x', 'Bearer awk_abc', `xyz_${'a'.repeat(12)}_${'b'.repeat(43)}`]) {
      expect(apiKeyIdOf(candidate)).toBeNull();
    }
  });

  it('compares secrets of any length', () => {
    expect(secretEquals('operator-token-1234', 'operator-token-1234')).toBe(true);
    expect(secretEquals('operator-token-123', 'operator-token-1234')).toBe(false);
    expect(secretEquals('', 'operator-token-1234')).toBe(false);
  });
});
