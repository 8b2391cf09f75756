import { RateLimiter } from './rate-limiter';

describe('RateLimiter', () => {
  it('allows a second’s worth at once, then one per interval', () => {
    const limiter = new RateLimiter();
    expect([0, 0].map(() => limiter.take('s', 2, 0))).toEqual([0, 0]);
    expect(limiter.take('s', 2, 0)).toBe(500);
    expect(limiter.take('s', 2, 250)).toBe(250);
    expect(limiter.take('s', 2, 500)).toBe(0);
    expect(limiter.take('s', 2, 500)).toBe(500);
  });

  it('never takes a token it reports as not free (excess is deferred, not dropped)', () => {
    const limiter = new RateLimiter();
    let granted = 0;
    for (let now = 0; now < 10_000; now += 10) if (limiter.take('s', 5, now) === 0) granted++;
    expect(granted).toBeGreaterThanOrEqual(50);
    expect(granted).toBeLessThanOrEqual(55);
  });

  it('keeps keys apart', () => {
    const limiter = new RateLimiter();
    limiter.take('a', 1, 0);
    expect(limiter.take('a', 1, 0)).toBe(1000);
    expect(limiter.take('b', 1, 0)).toBe(0);
  });
});
