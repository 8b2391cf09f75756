import { DataSource } from 'typeorm';
import { newId, type HeraldEvent } from '@herald/domain';
import { testConfig } from '@herald/testing';
import { dataSourceOptions } from '../data-source';
import { EventsRepository } from './events.repository';
import { TenantsRepository } from './tenants.repository';

/** Events stored a batch at a time, against the real PostgreSQL. */
describe('EventsRepository.storeAll', () => {
  let db: DataSource;
  let events: EventsRepository;
  let tenantId: string;

  beforeAll(async () => {
    db = await new DataSource(dataSourceOptions(testConfig().database.url)).initialize();
    events = new EventsRepository(db);
    tenantId = (await new TenantsRepository(db).create('store-all')).id;
  });

  afterAll(async () => {
    await db.destroy();
  });

  const event = (id: string, data: HeraldEvent['data'] = { n: 1 }): HeraldEvent => ({
    id,
    tenantId,
    type: 'meter.created',
    occurredAt: '2024-05-02T12:31:26.257Z',
    receivedAt: new Date().toISOString(),
    subject: 'node/1',
    changedFields: ['meter.reading'],
    data,
  });

  // Issue 13: data is any JSON value but null; node-postgres would write a list as a PostgreSQL array.
  it('stores data that is a list or a scalar, one at a time and a batch at a time, as given', async () => {
    const payloads: HeraldEvent['data'][] = [
      [{ meter_id: 'm-1', start_interval: '2024-05-02T12:00:00Z' }, { meter_id: 'm-2' }],
      [],
      ['a', 1, null],
      'm-1',
      '',
      12.5,
      0,
      false,
    ];
    for (const data of payloads) {
      const { event: stored } = await events.store(event(newId('evt'), data));
      expect(stored.data).toEqual(data);
      expect((await events.get(tenantId, stored.id))?.data).toEqual(data);
    }
    const batch = payloads.map((data) => event(newId('evt'), data));
    const stored = await events.storeAll(batch);
    expect(stored.map((result) => result.created)).toEqual(payloads.map(() => true));
    for (const [index, { id }] of batch.entries()) {
      expect((await events.get(tenantId, id))?.data).toEqual(payloads[index]);
    }
  });

  it('stores new events in order, tells a repeat in the batch and one stored before apart', async () => {
    const [emitted, unemitted, fresh] = [newId('evt'), newId('evt'), newId('evt')];
    // Stored by the API (no record): its published_at says whether it went out.
    await events.store(event(emitted));
    await events.markPublished(tenantId, emitted);
    await events.store(event(unemitted));

    const stored = await events.storeAll(
      [
        event(fresh, { list: [1, 'two', { three: null }] }),
        event(emitted),
        event(unemitted),
        event(fresh, { other: true }),
      ],
      ['inbound/0/10', 'inbound/0/11', 'inbound/0/12', 'inbound/0/13'],
    );
    expect(stored.map(({ event: e, created, published }) => [e.id, created, published])).toEqual([
      [fresh, true, false],
      [emitted, false, true],
      // Stored before but never emitted (a crash between the two): to be emitted now.
      [unemitted, false, false],
      // The second of the batch is a duplicate of the first, emitted with it.
      [fresh, false, true],
    ]);
    expect(stored[0].event).toMatchObject({
      data: { list: [1, 'two', { three: null }] },
      changedFields: ['meter.reading'],
      subject: 'node/1',
      occurredAt: '2024-05-02T12:31:26.257Z',
    });
    expect(stored[3].event.data).toEqual({ list: [1, 'two', { three: null }] });
    expect(await events.storeAll([])).toEqual([]);
  });

  it('emits again an event its own record brings again, and not one another record brought first', async () => {
    const id = newId('evt');
    const [first] = await events.storeAll([event(id)], ['inbound/3/100']);
    expect([first.created, first.published]).toEqual([true, false]);
    // The same record read again (after a crash, before or after the event went out): emit again.
    const [again] = await events.storeAll([event(id, { changed: true })], ['inbound/3/100']);
    expect([again.created, again.published]).toEqual([false, false]);
    // Another record carrying the same id: a producer's duplicate, left be.
    const [duplicate] = await events.storeAll([event(id)], ['inbound/1/7']);
    expect([duplicate.created, duplicate.published]).toEqual([false, true]);
    // Either way what is emitted is the event as first stored.
    expect(again.event.data).toEqual({ n: 1 });
  });

  it('marks an event failed for the record that stored it, never for a duplicate record', async () => {
    const id = newId('evt');
    await events.storeAll([event(id)], ['inbound/4/20']);
    // Another record with the same id is a producer's duplicate: parked, it leaves the event alone.
    await events.markFailed(tenantId, id, 'handler_failed', 'not this one', 'inbound/2/5');
    expect(await events.failureOf(tenantId, id)).toBeNull();
    await events.markFailed(tenantId, id, 'unprocessable', 'refused', 'inbound/4/20');
    const failure = await events.failureOf(tenantId, id);
    expect([failure?.code, failure?.message]).toEqual(['unprocessable', 'refused']);
    expect(failure?.failedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    // An event no record stored (the API's test sends) is marked while it is not emitted.
    const unrecorded = newId('evt');
    await events.store(event(unrecorded));
    await events.markFailed(tenantId, unrecorded, 'unprocessable', 'refused', 'inbound/4/21');
    expect((await events.failureOf(tenantId, unrecorded))?.code).toBe('unprocessable');
    const emitted = newId('evt');
    await events.store(event(emitted));
    await events.markPublished(tenantId, emitted);
    await events.markFailed(tenantId, emitted, 'unprocessable', 'refused', 'inbound/4/22');
    expect(await events.failureOf(tenantId, emitted)).toBeNull();
  });
});
