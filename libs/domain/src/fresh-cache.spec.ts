import { FreshCache } from './fresh-cache';

describe('FreshCache', () => {
  let time = 0;
  const cache = () => new FreshCache<string | null>(1_000, 2, () => time);

  beforeEach(() => {
    time = 0;
  });

  it('is fresh for its time, and keeps the last value after', () => {
    const kept = cache();
    kept.set('a', 'one');
    time = 999;
    expect(kept.fresh('a')).toBe('one');
    time = 1_000;
    expect(kept.fresh('a')).toBeUndefined();
    expect(kept.last('a')).toBe('one');
  });

  it('keeps null as a value, and forgets what is deleted', () => {
    const kept = cache();
    kept.set('gone', null);
    expect(kept.fresh('gone')).toBeNull();
    kept.delete('gone');
    expect(kept.last('gone')).toBeUndefined();
  });

  it('drops the entry set longest ago past its size; setting again makes an entry newest', () => {
    const kept = cache();
    kept.set('a', '1');
    kept.set('b', '2');
    kept.set('a', '1 again');
    kept.set('c', '3');
    expect(kept.last('b')).toBeUndefined();
    expect([kept.last('a'), kept.last('c')]).toEqual(['1 again', '3']);
  });
});
