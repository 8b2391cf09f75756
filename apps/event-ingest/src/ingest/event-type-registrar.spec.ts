import { EventTypeRegistrar } from './event-type-registrar';

/** Records what reaches the catalog; the real repository is covered by the integration spec. */
class RecordingCatalog {
  readonly calls: [string, string][] = [];
  registerSeen(tenantId: string, name: string): Promise<void> {
    this.calls.push([tenantId, name]);
    return Promise.resolve();
  }
}

describe('event type registrar', () => {
  it('registers a (tenant, type) pair once and answers later events from memory', async () => {
    const catalog = new RecordingCatalog();
    const registrar = new EventTypeRegistrar(catalog);
    await registrar.register('ten_a', 'meter.created');
    await registrar.register('ten_a', 'meter.created');
    await registrar.register('ten_a', 'meter.created');
    expect(catalog.calls).toEqual([['ten_a', 'meter.created']]);
  });

  it('registers a new type once for the events of a batch that ask at the same time', async () => {
    const catalog = new RecordingCatalog();
    const registrar = new EventTypeRegistrar(catalog);
    await Promise.all(
      Array.from({ length: 50 }, () => registrar.register('ten_a', 'meter.created')),
    );
    expect(catalog.calls).toEqual([['ten_a', 'meter.created']]);
  });

  it('keeps tenants and types apart', async () => {
    const catalog = new RecordingCatalog();
    const registrar = new EventTypeRegistrar(catalog);
    await registrar.register('ten_a', 'meter.created');
    await registrar.register('ten_b', 'meter.created');
    await registrar.register('ten_a', 'user.created');
    await registrar.register('ten_b', 'meter.created');
    expect(catalog.calls).toEqual([
      ['ten_a', 'meter.created'],
      ['ten_b', 'meter.created'],
      ['ten_a', 'user.created'],
    ]);
  });

  it('asks again after a failed registration, so a database hiccup does not lose the type', async () => {
    let fail = true;
    const calls: string[] = [];
    const registrar = new EventTypeRegistrar({
      registerSeen: (_tenantId: string, name: string) => {
        calls.push(name);
        return fail ? Promise.reject(new Error('connection lost')) : Promise.resolve();
      },
    });
    await expect(registrar.register('ten_a', 'meter.created')).rejects.toThrow('connection lost');
    fail = false;
    await registrar.register('ten_a', 'meter.created');
    await registrar.register('ten_a', 'meter.created');
    expect(calls).toEqual(['meter.created', 'meter.created']);
  });
});
