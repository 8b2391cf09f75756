import { Readiness } from './readiness';

describe('Readiness', () => {
  it('is ready when every registered check answers, naming each', async () => {
    const readiness = new Readiness();
    readiness.register('postgres', () => Promise.resolve());
    readiness.register('kafka', () => Promise.resolve());
    expect(await readiness.report()).toEqual({
      ready: true,
      checks: { postgres: 'ok', kafka: 'ok' },
    });
  });

  it('is not ready when one check fails, and says why', async () => {
    const readiness = new Readiness();
    readiness.register('postgres', () => Promise.reject(new Error('connection refused')));
    readiness.register('kafka', () => Promise.resolve());
    expect(await readiness.report()).toEqual({
      ready: false,
      checks: { postgres: 'connection refused', kafka: 'ok' },
    });
  });

  it('gives up on a check that does not answer within two seconds', async () => {
    jest.useFakeTimers();
    try {
      const readiness = new Readiness();
      readiness.register('kafka', () => new Promise(() => undefined));
      const report = readiness.report();
      await jest.advanceTimersByTimeAsync(2_000);
      expect(await report).toEqual({
        ready: false,
        checks: { kafka: 'no answer within 2000 ms' },
      });
    } finally {
      jest.useRealTimers();
    }
  });

  it('turns not ready as soon as shutdown begins, though its dependencies still answer', async () => {
    const readiness = new Readiness();
    readiness.register('postgres', () => Promise.resolve());
    readiness.onModuleDestroy();
    expect(await readiness.report()).toEqual({
      ready: false,
      checks: { postgres: 'ok', shutdown: 'shutting down' },
    });
  });

  it('reports the parts that failed for good, for liveness', () => {
    const readiness = new Readiness();
    let failure: string | null = null;
    readiness.registerLiveness('consumer herald.deliverer', () => failure);
    expect(readiness.failures()).toEqual({});
    failure = 'The group coordinator is not available';
    expect(readiness.failures()).toEqual({
      'consumer herald.deliverer': 'The group coordinator is not available',
    });
  });

  it('says whether the dependencies are up, leaving out the parts of the service itself', async () => {
    const readiness = new Readiness();
    let postgresUp = true;
    readiness.register('postgres', () =>
      postgresUp ? Promise.resolve() : Promise.reject(new Error('connection refused')),
    );
    readiness.register('kafka', () => Promise.resolve());
    readiness.register('consumer herald.event-ingest', () => Promise.reject(new Error('joining')), {
      dependency: false,
    });
    expect(await readiness.dependenciesUp()).toBe(true);
    expect((await readiness.report()).ready).toBe(false);
    postgresUp = false;
    expect(await readiness.dependenciesUp()).toBe(false);
  });
});
