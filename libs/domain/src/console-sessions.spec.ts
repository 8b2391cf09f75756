import {
  consoleLinkRefusal,
  consoleSessionRefusal,
  generateConsoleLinkToken,
  generateConsoleSessionKey,
  isConsoleLinkToken,
  isConsoleSessionKey,
} from './console-sessions';

const NOW = new Date('2026-01-01T12:00:00Z');
const BEFORE = '2026-01-01T11:59:59Z';
const AFTER = '2026-01-01T12:00:01Z';

describe('console link tokens and session keys', () => {
  it('are prefixed, random and told apart', () => {
    const token = generateConsoleLinkToken();
    const key = generateConsoleSessionKey();
    expect(token).toMatch(/^hcl_[A-Za-z0-9_-]{43}$/);
    expect(key).toMatch(/^hcs_[A-Za-z0-9_-]{43}$/);
    expect(generateConsoleLinkToken()).not.toBe(token);
    expect([isConsoleLinkToken(token), isConsoleLinkToken(key)]).toEqual([true, false]);
    expect([isConsoleSessionKey(key), isConsoleSessionKey(token)]).toEqual([true, false]);
  });

  it.each(['', 'hcl_', 'hcl_short', `hcl_${'a'.repeat(44)}`, `hk_${'a'.repeat(43)}`])(
    'refuses %j as a link token',
    (text) => expect(isConsoleLinkToken(text)).toBe(false),
  );
});

describe('consoleLinkRefusal', () => {
  it.each<
    [
      string,
      { exchangedAt: string | null; linkExpiresAt: string; revokedAt: string | null },
      string | null,
    ]
  >([
    ['a fresh link', { exchangedAt: null, linkExpiresAt: AFTER, revokedAt: null }, null],
    [
      'an exchanged link',
      { exchangedAt: BEFORE, linkExpiresAt: AFTER, revokedAt: null },
      'link_used',
    ],
    [
      'an expired link',
      { exchangedAt: null, linkExpiresAt: BEFORE, revokedAt: null },
      'link_expired',
    ],
    [
      'a link expiring now',
      { exchangedAt: null, linkExpiresAt: NOW.toISOString(), revokedAt: null },
      'link_expired',
    ],
    [
      'a revoked link',
      { exchangedAt: null, linkExpiresAt: AFTER, revokedAt: BEFORE },
      'link_revoked',
    ],
    [
      'a used link revoked since',
      { exchangedAt: BEFORE, linkExpiresAt: BEFORE, revokedAt: BEFORE },
      'link_revoked',
    ],
  ])('%s: %s', (_name, session, refusal) => {
    expect(consoleLinkRefusal(session, NOW)).toBe(refusal);
  });
});

describe('consoleSessionRefusal', () => {
  it.each<[string, { expiresAt: string; revokedAt: string | null }, string | null]>([
    ['a live session', { expiresAt: AFTER, revokedAt: null }, null],
    ['an expired session', { expiresAt: BEFORE, revokedAt: null }, 'session_expired'],
    ['a revoked session', { expiresAt: AFTER, revokedAt: BEFORE }, 'session_revoked'],
  ])('%s: %s', (_name, session, refusal) => {
    expect(consoleSessionRefusal(session, NOW)).toBe(refusal);
  });
});
