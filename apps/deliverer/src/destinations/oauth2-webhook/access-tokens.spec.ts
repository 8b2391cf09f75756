import type { OAuth2WebhookDestination } from '@herald/domain';
import { AccessTokens, reuseUntil, type AccessToken } from './access-tokens';

const destination: OAuth2WebhookDestination = {
  type: 'oauth2_webhook',
  url: 'https://api.example.com/hooks',
  headers: {},
  tokenUrl: 'https://auth.example.com/token',
  clientId: 'herald',
  clientSecret: 'secret',
  scope: null,
  audience: null,
};

describe('reuseUntil', () => {
  it.each([
    ['an hour-long token: until 30 s before it expires', 3600, 3_570_000],
    ['a 100 s token: until 10 s before', 100, 90_000],
    ['a 1 s token: until 0.1 s before', 1, 900],
    ['no expires_in: five minutes', null, 300_000],
  ])('%s', (_name, expiresIn, until) => {
    expect(reuseUntil(1_000, expiresIn)).toBe(1_000 + until);
  });
});

describe('AccessTokens', () => {
  let fetched: number;
  let answer: () => AccessToken | 'failed';
  const tokens = () =>
    new AccessTokens<'failed'>(
      () => {
        fetched += 1;
        return Promise.resolve(answer());
      },
      (result): result is AccessToken => result !== 'failed',
    );

  beforeEach(() => {
    fetched = 0;
    answer = () => ({ value: `tok-${fetched}`, reuseUntil: 10_000 });
  });

  it('shares one fetch between concurrent callers and reuses the token until reuseUntil', async () => {
    const cache = tokens();
    const results = await Promise.all([cache.get(destination, 0), cache.get(destination, 0)]);
    expect(results).toEqual([
      { value: 'tok-1', reuseUntil: 10_000 },
      { value: 'tok-1', reuseUntil: 10_000 },
    ]);
    expect(await cache.get(destination, 9_999)).toMatchObject({ value: 'tok-1' });
    expect(await cache.get(destination, 10_000)).toMatchObject({ value: 'tok-2' });
    expect(fetched).toBe(2);
  });

  it('forgets a refused token, but not one that replaced it', async () => {
    const cache = tokens();
    const first = (await cache.get(destination, 0)) as AccessToken;
    cache.forget(destination, first);
    const second = await cache.get(destination, 0);
    expect(second).toMatchObject({ value: 'tok-2' });
    cache.forget(destination, first);
    expect(await cache.get(destination, 0)).toBe(second);
  });

  it('keeps no failed fetch', async () => {
    const cache = tokens();
    answer = () => 'failed';
    expect(await cache.get(destination, 0)).toBe('failed');
    answer = () => ({ value: 'tok-2', reuseUntil: 10_000 });
    expect(await cache.get(destination, 0)).toMatchObject({ value: 'tok-2' });
  });

  it('keeps a token per client: another secret or scope asks again', async () => {
    const cache = tokens();
    await cache.get(destination, 0);
    await cache.get({ ...destination, clientSecret: 'rotated' }, 0);
    await cache.get({ ...destination, scope: 'other' }, 0);
    await cache.get(destination, 0);
    expect(fetched).toBe(3);
  });
});
