import { ApiError } from '../errors/api-error';
import {
  readConsoleSessionListQuery,
  readExchange,
  readNewConsoleSession,
  readRevokeAll,
} from './console-session-input';

/** The fields a reader refuses, or null when it takes the input. */
function refused(read: () => unknown): string[] | null {
  try {
    read();
    return null;
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    expect(error.code).toBe('validation_failed');
    return error.details.map((detail) => detail.field);
  }
}

describe('console link input', () => {
  it('takes the defaults from an empty or absent body, and null as left out', () => {
    const defaults = {
      tenantId: undefined,
      readOnly: false,
      pages: null,
      theme: null,
      lifetimeMs: 3_600_000,
    };
    expect(readNewConsoleSession(undefined)).toEqual(defaults);
    expect(readNewConsoleSession({})).toEqual(defaults);
    expect(
      readNewConsoleSession({ tenant_id: null, pages: null, theme: null, expires_in: null }),
    ).toEqual(defaults);
  });

  it.each<[string, string, number]>([
    ['the shortest lifetime', '5m', 300_000],
    ['the same in seconds', '300s', 300_000],
    ['the longest lifetime', '30d', 30 * 86_400_000],
    ['a working day', '8h', 8 * 3_600_000],
  ])('takes %s (%s)', (_name, expiresIn, lifetimeMs) => {
    expect(readNewConsoleSession({ expires_in: expiresIn }).lifetimeMs).toBe(lifetimeMs);
  });

  it.each<[string, () => unknown, string[]]>([
    ['a lifetime under 5m', () => readNewConsoleSession({ expires_in: '299s' }), ['expires_in']],
    ['a lifetime over 30d', () => readNewConsoleSession({ expires_in: '721h' }), ['expires_in']],
    ['an empty tenant_id', () => readNewConsoleSession({ tenant_id: '' }), ['tenant_id']],
    ['pages that is no list', () => readNewConsoleSession({ pages: 'events' }), ['pages']],
    ['a body that is no object', () => readNewConsoleSession([]), ['body']],
    ['an exchange without a token', () => readExchange({}), ['token']],
    [
      'an API key as a link token',
      () => readExchange({ token: `hk_${'a'.repeat(43)}` }),
      ['token'],
    ],
    [
      'a session key as a link token',
      () => readExchange({ token: `hcs_${'a'.repeat(43)}` }),
      ['token'],
    ],
    ['a revoke-all of tenant ""', () => readRevokeAll({ tenant_id: '' }), ['tenant_id']],
    ['a list of tenant ""', () => readConsoleSessionListQuery({ tenant_id: '' }), ['tenant_id']],
    [
      'a list with an unknown parameter',
      () => readConsoleSessionListQuery({ status: 'live' } as object),
      ['status'],
    ],
  ])('refuses %s, naming it', (_name, read, fields) => {
    expect(refused(read)).toEqual(fields);
  });

  it('takes a well-formed link token', () => {
    const token = `hcl_${'A'.repeat(42)}_`;
    expect(readExchange({ token })).toBe(token);
  });
});
