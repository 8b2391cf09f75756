import { randomBytes } from 'node:crypto';
import { decryptSecret, encryptSecret, generateApiKey, hashApiKey } from './secrets';

describe('secrets at rest', () => {
  const key = randomBytes(32);

  it('round-trips through AES-256-GCM with a fresh nonce each time', () => {
    const sealed = encryptSecret(key, 'whsec_abc');
    expect(sealed).not.toContain('whsec_abc');
    expect(encryptSecret(key, 'whsec_abc')).not.toBe(sealed);
    expect(decryptSecret(key, sealed)).toBe('whsec_abc');
  });

  it('refuses a tampered value or the wrong key', () => {
    const sealed = encryptSecret(key, 'secret');
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => decryptSecret(key, parts.join('.'))).toThrow();
    expect(() => decryptSecret(randomBytes(32), sealed)).toThrow();
  });

  it('hashes API keys one way and makes each key unique', () => {
    const apiKey = generateApiKey();
    expect(apiKey).toMatch(/^hk_[A-Za-z0-9_-]{43}$/);
    expect(hashApiKey(apiKey)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(apiKey)).not.toContain(apiKey);
    expect(generateApiKey()).not.toBe(apiKey);
  });
});
