import { fetchSettings, setFetchLinger } from './fetch-linger';

describe('fetch linger', () => {
  const linger = { lingerMs: 10, minBytes: 256 * 1024, idleWaitMs: 250 };

  it('lingers after a fetch that brought messages, for more bytes or the linger', () => {
    expect(fetchSettings(linger, true)).toEqual({ minBytes: 256 * 1024, maxWaitTime: 10 });
  });

  it('after an empty fetch, returns at the first byte and long-polls the idle wait', () => {
    expect(fetchSettings(linger, false)).toEqual({ minBytes: 1, maxWaitTime: 250 });
  });

  it('finds the fetch of the kafkajs it wraps', () => {
    expect(() => setFetchLinger('fetch-linger-spec', linger)).not.toThrow();
    setFetchLinger('fetch-linger-spec', null);
  });
});
