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

  it('gives a fresh value without waiting only when it is usable, as load would take it', () => {
    const kept = cache();
    kept.set('a', 'paused');
    expect(kept.usable('a')).toBe('paused');
    expect(kept.usable('a', (value) => value !== 'paused')).toBeUndefined();
    kept.set('gone', null);
    expect(kept.usable('gone')).toBeNull(); // a kept null is a value, not a miss
    time = 1_000;
    expect(kept.usable('a')).toBeUndefined(); // stale: load would read
  });

  describe('load', () => {
    /** A read that resolves when told to, counting how often it was started. */
    function deferredReads() {
      const started: ((value: string | null) => void)[] = [];
      const failures: ((error: Error) => void)[] = [];
      const read = () =>
        new Promise<string | null>((resolve, reject) => {
          started.push(resolve);
          failures.push(reject);
        });
      return { read, started, failures };
    }

    it('shares one read among the callers that ask while it is under way, and keeps its value', async () => {
      const kept = cache();
      const { read, started } = deferredReads();
      const asked = [kept.load('a', read), kept.load('a', read), kept.load('a', read)];
      expect(started).toHaveLength(1);
      started[0]('one');
      await expect(Promise.all(asked)).resolves.toEqual(['one', 'one', 'one']);
      await expect(kept.load('a', read)).resolves.toBe('one');
      expect(started).toHaveLength(1);
      // Another key has a read of its own.
      void kept.load('b', read);
      expect(started).toHaveLength(2);
    });

    it('reads again once the value is stale, or when `usable` refuses it', async () => {
      const kept = cache();
      kept.set('a', 'paused');
      const { read, started } = deferredReads();
      const refused = kept.load('a', read, (value) => value !== 'paused');
      expect(started).toHaveLength(1);
      started[0]('live');
      await expect(refused).resolves.toBe('live');
      time = 1_000;
      const stale = kept.load('a', read);
      expect(started).toHaveLength(2);
      started[1]('newer');
      await expect(stale).resolves.toBe('newer');
    });

    it('keeps neither a failed read nor one under way when the key was deleted', async () => {
      const kept = cache();
      const { read, started, failures } = deferredReads();
      const failing = kept.load('a', read);
      failures[0](new Error('database down'));
      await expect(failing).rejects.toThrow('database down');
      const retried = kept.load('a', read);
      expect(started).toHaveLength(2);

      kept.delete('a');
      const afterDelete = kept.load('a', read);
      expect(started).toHaveLength(3);
      started[1]('before the change');
      started[2]('after the change');
      await expect(retried).resolves.toBe('before the change');
      await expect(afterDelete).resolves.toBe('after the change');
      expect(kept.fresh('a')).toBe('after the change');
    });
  });
});
