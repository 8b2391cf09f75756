import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { newId, retentionCutoff, type DeliveryStatus, type HeraldEvent } from '@herald/domain';
import { testConfig } from '@herald/testing';
import { dataSourceOptions } from '../data-source';
import { DeliveriesRepository } from './deliveries.repository';
import { EventsRepository } from './events.repository';
import { RetentionRepository } from './retention.repository';
import { TenantsRepository } from './tenants.repository';

/** Retention against the real PostgreSQL: a tenant keeping two seconds of history. */
describe('RetentionRepository', () => {
  const RETENTION_MS = 2_000;
  let db: DataSource;
  let events: EventsRepository;
  let deliveries: DeliveriesRepository;
  let retention: RetentionRepository;
  let tenants: TenantsRepository;

  beforeAll(async () => {
    db = await new DataSource(dataSourceOptions(testConfig().database.url)).initialize();
    events = new EventsRepository(db);
    deliveries = new DeliveriesRepository(db);
    retention = new RetentionRepository(db);
    tenants = new TenantsRepository(db);
  });

  afterAll(async () => {
    await db.destroy();
  });

  const subscriptions = [newId('sub'), newId('sub')];

  /** An event delivered to both subscriptions, each delivery left in the status given. */
  async function history(
    tenantId: string,
    statuses: readonly [DeliveryStatus | null, DeliveryStatus | null],
  ): Promise<{ eventId: string; deliveryIds: string[] }> {
    const event: HeraldEvent = {
      id: newId('evt'),
      tenantId,
      type: 'meter.created',
      occurredAt: new Date().toISOString(),
      receivedAt: new Date().toISOString(),
      subject: null,
      changedFields: null,
      data: { n: 1 },
    };
    await events.storeAll([event]);
    const statusOf = new Map(
      subscriptions.flatMap((id, index) =>
        statuses[index] === null ? [] : [[id, statuses[index]]],
      ),
    );
    const planned = await deliveries.planForEvents([
      { tenantId, eventId: event.id, eventType: event.type, subscriptionIds: [...statusOf.keys()] },
    ]);
    const made = (planned.get(event.id) ?? []).map(({ delivery }) => delivery);
    // In the order of `statuses`, whatever order the deliveries were planned in.
    const deliveryIds = subscriptions.flatMap(
      (id) => made.find((delivery) => delivery.subscriptionId === id)?.id ?? [],
    );
    await deliveries.recordAttempts(
      made
        .filter((delivery) => statusOf.get(delivery.subscriptionId) !== 'pending')
        .map((delivery) => {
          const status = statusOf.get(delivery.subscriptionId) as DeliveryStatus;
          return {
            deliveryId: delivery.id,
            tenantId,
            subscriptionId: delivery.subscriptionId,
            attempt: 1,
            startedAt: new Date(),
            durationMs: 5,
            outcome: status === 'succeeded' ? ('succeeded' as const) : ('failed' as const),
            statusCode: status === 'succeeded' ? 200 : 500,
            errorClass: status === 'succeeded' ? null : ('retryable' as const),
            errorMessage: null,
            responseExcerpt: null,
            status,
            nextAttemptAt: status === 'retrying' ? new Date(Date.now() + 60_000) : null,
          };
        }),
    );
    return { eventId: event.id, deliveryIds };
  }

  const eventKept = async (tenantId: string, id: string) =>
    (await events.get(tenantId, id)) !== null;
  const deliveriesKept = async (tenantId: string, ids: readonly string[]) =>
    (await deliveries.getMany(tenantId, ids)).map((delivery) => delivery.id).sort();
  const attemptsOf = async (tenantId: string, ids: readonly string[]) =>
    (await Promise.all(ids.map((id) => deliveries.listAttempts(tenantId, id)))).flat().length;

  it('purges what is older than the tenant retention, keeping new history, what is still to be sent, and other tenants', async () => {
    const tenant = (await tenants.create('retention-short')).id;
    const other = (await tenants.create('retention-default')).id;
    expect(await retention.setRetention(tenant, RETENTION_MS)).toBe(true);
    expect(await retention.retentionOf(tenant, 30 * 86_400_000)).toBe(RETENTION_MS);
    expect(await retention.retentionOf(other, 30 * 86_400_000)).toBe(30 * 86_400_000);

    // Old: more than a chunk of settled history, so the purge walks several chunks.
    const settled = [];
    for (let i = 0; i < 5; i++) settled.push(await history(tenant, ['succeeded', 'dead']));
    const failedOne = await history(tenant, ['failed', null]);
    const partlyRetrying = await history(tenant, ['succeeded', 'retrying']);
    const pending = await history(tenant, ['pending', 'pending']);
    const unmatched = await history(tenant, [null, null]);
    const othersOld = await history(other, ['succeeded', 'succeeded']);
    await sleep(RETENTION_MS + 200);
    const fresh = await history(tenant, ['succeeded', 'succeeded']);

    const cutoff = retentionCutoff(Date.now(), await retention.retentionOf(tenant, 0));
    let pauses = 0;
    const purged = await retention.purgeTenant(tenant, cutoff, 2, undefined, () => {
      pauses += 1;
      return Promise.resolve();
    });

    expect(purged).toEqual({ events: 7, deliveries: 12, attempts: 12 });
    // A pause after each full chunk only: 12 old settled deliveries two by two (6 full chunks, then
    // an empty one), and 9 old events (4 full, then one short).
    expect(pauses).toBe(6 + 4);
    for (const old of [...settled, failedOne, unmatched]) {
      expect(await eventKept(tenant, old.eventId)).toBe(false);
      expect(await deliveriesKept(tenant, old.deliveryIds)).toEqual([]);
      expect(await attemptsOf(tenant, old.deliveryIds)).toBe(0);
    }
    // The retrying delivery keeps its attempt and its event; its settled sibling goes.
    const [settledSibling, retrying] = partlyRetrying.deliveryIds;
    expect(await eventKept(tenant, partlyRetrying.eventId)).toBe(true);
    expect(await deliveriesKept(tenant, partlyRetrying.deliveryIds)).toEqual([retrying]);
    expect(await attemptsOf(tenant, [settledSibling])).toBe(0);
    expect(await attemptsOf(tenant, [retrying])).toBe(1);
    expect((await deliveries.get(tenant, retrying))?.status).toBe('retrying');
    // Pending deliveries and their event stay, however old.
    expect(await eventKept(tenant, pending.eventId)).toBe(true);
    expect(await deliveriesKept(tenant, pending.deliveryIds)).toEqual(
      [...pending.deliveryIds].sort(),
    );
    // New history and another tenant's (on the 30-day default) are untouched.
    for (const [owner, kept] of [
      [tenant, fresh],
      [other, othersOld],
    ] as const) {
      expect(await eventKept(owner, kept.eventId)).toBe(true);
      expect(await deliveriesKept(owner, kept.deliveryIds)).toEqual([...kept.deliveryIds].sort());
      expect(await attemptsOf(owner, kept.deliveryIds)).toBe(2);
    }

    // A second pass finds nothing more; once the retrying delivery settles, it and its event go.
    expect(await retention.purgeTenant(tenant, cutoff, 2)).toEqual({
      events: 0,
      deliveries: 0,
      attempts: 0,
    });
    await db.query(`UPDATE deliveries SET status = 'succeeded' WHERE id = $1`, [retrying]);
    expect(await retention.purgeTenant(tenant, cutoff, 2)).toEqual({
      events: 1,
      deliveries: 1,
      attempts: 1,
    });
    expect(await eventKept(tenant, partlyRetrying.eventId)).toBe(false);
  });

  it('lists for a pass only the tenants older than their own retention', async () => {
    const young = (await tenants.create('retention-young', 60_000)).id;
    const old = (await tenants.create('retention-old', 60_000)).id;
    const onDefault = (await tenants.create('retention-default-old')).id;
    await db.query(
      `UPDATE tenants SET created_at = now() - interval '2 minutes' WHERE id = ANY($1)`,
      [[old, onDefault]],
    );
    const listed = await retention.tenants(30 * 86_400_000);
    const mine = listed.filter((t) => [young, old, onDefault].includes(t.tenantId));
    // The default (30 days) keeps the two-minute-old tenant out; its own minute lets `old` in.
    expect(mine).toEqual([{ tenantId: old, retentionMs: 60_000 }]);
    expect(
      (await retention.tenants(30 * 86_400_000, Date.now() + 10 * 60_000))
        .filter((t) => [young, old].includes(t.tenantId))
        .map((t) => t.tenantId)
        .sort(),
    ).toEqual([young, old].sort());
  });

  it('lets one purger at a time hold the lock', async () => {
    const inner = await retention.whileHoldingPurgeLock(() =>
      retention.whileHoldingPurgeLock(() => Promise.resolve('second')),
    );
    expect(inner).toEqual({ result: null });
    expect(await retention.whileHoldingPurgeLock(() => Promise.resolve('again'))).toEqual({
      result: 'again',
    });
  });

  it('returns a tenant to the default retention', async () => {
    const tenant = (await tenants.create('retention-reset')).id;
    await retention.setRetention(tenant, 5_000);
    await retention.setRetention(tenant, null);
    expect(await retention.retentionOf(tenant, 123_000)).toBe(123_000);
    expect(await retention.setRetention('ten_missing', 5_000)).toBe(false);
  });
});
