import { DataSource, type Logger } from 'typeorm';
import type { HeraldConfig } from '@herald/config';
import { newId, type DeliveryStatus } from '@herald/domain';
import {
  dataSourceOptions,
  DeliveriesRepository,
  EventsRepository,
  SubscriptionChanges,
  SubscriptionsRepository,
  TenantsRepository,
  type AttemptRecord,
} from '@herald/persistence';
import { testConfig } from '@herald/testing';
import { ATTEMPT_BATCH_SIZE, AttemptRecorder } from './attempt-recorder';

/** Counts the statements the repository sends, so a test can tell one INSERT from sixty-four. */
class StatementCounter implements Logger {
  statements: string[] = [];
  logQuery(query: string): void {
    this.statements.push(query.trim().replace(/\s+/g, ' '));
  }
  /** How many statements hold this text (the attempts INSERT and the deliveries UPDATE share one). */
  count(fragment: string): number {
    return this.statements.filter((statement) => statement.includes(fragment)).length;
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

/** Nothing listens here; no deliverer runs in this suite anyway. */
const NOWHERE = 'http://127.0.0.1:9/hooks';

/**
 * The attempt recorder against the real PostgreSQL: concurrent attempts become one transaction with
 * one INSERT and one UPDATE, and every delivery ends in the status its last attempt gave it.
 */
describe('attempt recorder: batched attempt writes in PostgreSQL', () => {
  let config: HeraldConfig;
  let db: DataSource;
  const counter = new StatementCounter();
  let deliveries: DeliveriesRepository;
  let recorder: AttemptRecorder;

  beforeAll(async () => {
    config = testConfig();
    db = await new DataSource({
      ...dataSourceOptions(config.database.url),
      logger: counter,
    }).initialize();
    deliveries = new DeliveriesRepository(db);
  });

  beforeEach(() => {
    recorder = new AttemptRecorder(deliveries);
  });

  afterAll(async () => {
    await db.destroy();
  });

  /** A tenant with one subscription and `count` pending deliveries of one event each. */
  async function pendingDeliveries(name: string, count: number) {
    const tenant = await new TenantsRepository(db).create(name);
    const { subscription } = await new SubscriptionChanges(
      db,
      new SubscriptionsRepository(db, config.secrets.encryptionKey),
    ).create(tenant.id, {
      description: name,
      enabled: true,
      debug: false,
      eventTypes: ['meter.*'],
      destination: { type: 'webhook', url: NOWHERE, headers: {} },
      filter: null,
      triggerFields: null,
      payloadFields: null,
      ordering: 'best_effort',
      rateLimitPerSecond: null,
    });
    const events = new EventsRepository(db);
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const now = new Date().toISOString();
      const { event } = await events.store({
        id: newId('evt'),
        tenantId: tenant.id,
        type: 'meter.created',
        occurredAt: now,
        receivedAt: now,
        subject: null,
        changedFields: null,
        data: { meter_id: `m-${i}` },
      });
      const [{ delivery }] = await deliveries.planForEvent(tenant.id, event.id, event.type, [
        subscription.id,
      ]);
      ids.push(delivery.id);
    }
    counter.statements = [];
    return { tenantId: tenant.id, subscriptionId: subscription.id, ids };
  }

  function attempt(
    owner: { tenantId: string; subscriptionId: string },
    deliveryId: string,
    number: number,
    status: DeliveryStatus,
    startedAt = new Date(),
  ): AttemptRecord {
    const ok = status === 'succeeded';
    return {
      deliveryId,
      tenantId: owner.tenantId,
      subscriptionId: owner.subscriptionId,
      attempt: number,
      startedAt,
      durationMs: 5 + number,
      outcome: ok ? 'succeeded' : 'failed',
      statusCode: ok ? 200 : 503,
      errorClass: ok ? null : status === 'dead' ? 'permanent' : 'retryable',
      errorMessage: ok ? null : 'receiver answered 503',
      responseExcerpt: ok ? 'ok' : 'down',
      status,
      nextAttemptAt: status === 'retrying' ? new Date(startedAt.getTime() + 60_000) : null,
    };
  }

  const statusOf = (i: number): DeliveryStatus =>
    (['succeeded', 'retrying', 'dead'] as const)[i % 3];

  it('plans a batch of events once: planned again, a pending delivery is to go out again, an attempted one is not', async () => {
    const owner = await pendingDeliveries('replanned', 2);
    // A second event of the same tenant, planned by event-ingest's batch statement.
    const now = new Date().toISOString();
    const { event } = await new EventsRepository(db).store({
      id: newId('evt'),
      tenantId: owner.tenantId,
      type: 'meter.created',
      occurredAt: now,
      receivedAt: now,
      subject: null,
      changedFields: null,
      data: { meter_id: 'm-x' },
    });
    const batch = [
      {
        tenantId: owner.tenantId,
        eventId: event.id,
        eventType: event.type,
        subscriptionIds: [owner.subscriptionId],
      },
    ];
    const first = (await deliveries.planForEvents(batch)).get(event.id) ?? [];
    expect(first.map(({ published }) => published)).toEqual([false]);
    // Handled again before anything was attempted (a crash after emitting): the same delivery, to go
    // out again with its id.
    const again = (await deliveries.planForEvents(batch)).get(event.id) ?? [];
    expect(again).toEqual(first);
    // Once its deliverer attempted it, planning it again leaves it be.
    await recorder.record(attempt(owner, first[0].delivery.id, 1, 'succeeded'));
    const later = (await deliveries.planForEvents(batch)).get(event.id) ?? [];
    expect(later).toEqual([{ delivery: first[0].delivery, published: true }]);
  });

  it('records 64 concurrent attempts with one INSERT and one UPDATE in one statement and transaction', async () => {
    const owner = await pendingDeliveries('batched', 64);
    await Promise.all(
      owner.ids.map((id, i) => recorder.record(attempt(owner, id, 1 + (i % 2), statusOf(i)))),
    );

    expect(counter.count('INSERT INTO attempts')).toBe(1);
    expect(counter.count('UPDATE deliveries')).toBe(1);
    expect(counter.statements).toHaveLength(1);
    const [{ transactions }]: { transactions: number }[] = await db.query(
      'SELECT count(DISTINCT xmin::text)::int AS transactions FROM attempts WHERE tenant_id = $1',
      [owner.tenantId],
    );
    expect(transactions).toBe(1);

    const stored = await deliveries.getMany(owner.tenantId, owner.ids);
    const byId = new Map(stored.map((delivery) => [delivery.id, delivery]));
    const attempts = await deliveries.listAttemptsOf(owner.tenantId, owner.ids);
    owner.ids.forEach((id, i) => {
      const delivery = byId.get(id)!;
      expect(delivery.status).toBe(statusOf(i));
      expect(delivery.attempts).toBe(1 + (i % 2));
      expect(delivery.nextAttemptAt === null).toBe(statusOf(i) !== 'retrying');
      expect(delivery.lastAttemptAt).not.toBeNull();
      expect(attempts.get(id)).toEqual([
        expect.objectContaining({ attempt: 1 + (i % 2), durationMs: 6 + (i % 2) }),
      ]);
    });
  });

  it(`splits ${ATTEMPT_BATCH_SIZE * 2 + 50} concurrent attempts into batches of at most ${ATTEMPT_BATCH_SIZE}`, async () => {
    const count = ATTEMPT_BATCH_SIZE * 2 + 50;
    const owner = await pendingDeliveries('split', count);
    await Promise.all(owner.ids.map((id) => recorder.record(attempt(owner, id, 1, 'succeeded'))));
    const perTransaction: { rows: number }[] = await db.query(
      `SELECT count(*)::int AS rows FROM attempts WHERE tenant_id = $1
        GROUP BY xmin::text ORDER BY rows DESC`,
      [owner.tenantId],
    );
    const sizes = perTransaction.map((t) => t.rows);
    // A batch is written when it is full or its oldest attempt has waited the batch delay — on a
    // busy machine queueing a thousand can take that long — so sizes vary, never above the limit.
    expect(Math.max(...sizes)).toBeLessThanOrEqual(ATTEMPT_BATCH_SIZE);
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(count);
    expect(sizes.length).toBeGreaterThanOrEqual(Math.ceil(count / ATTEMPT_BATCH_SIZE));
    // One INSERT per batch, each its own transaction.
    expect(counter.count('INSERT INTO attempts')).toBe(sizes.length);
    const stored = await deliveries.getMany(owner.tenantId, owner.ids);
    expect(stored.every((delivery) => delivery.status === 'succeeded')).toBe(true);
  });

  it('lets the later attempt of a delivery win when both are in one batch', async () => {
    const owner = await pendingDeliveries('twice', 2);
    const [upward, downward] = owner.ids;
    const first = new Date(Date.now() - 2000);
    const second = new Date(Date.now() - 1000);
    await Promise.all([
      recorder.record(attempt(owner, upward, 1, 'retrying', first)),
      recorder.record(attempt(owner, upward, 2, 'succeeded', second)),
      // Queued later with a lower number (a redelivered message): it sets the status, as it
      // would recorded one at a time, and the attempt count does not go back.
      recorder.record(attempt(owner, downward, 2, 'dead', first)),
      recorder.record(attempt(owner, downward, 1, 'retrying', second)),
    ]);
    expect(counter.count('INSERT INTO attempts')).toBe(1);

    const [up, down] = await deliveries.getMany(owner.tenantId, [upward, downward]);
    expect(up).toMatchObject({
      status: 'succeeded',
      attempts: 2,
      lastAttemptAt: second.toISOString(),
      nextAttemptAt: null,
    });
    expect(down).toMatchObject({
      status: 'retrying',
      attempts: 2,
      lastAttemptAt: second.toISOString(),
      nextAttemptAt: new Date(second.getTime() + 60_000).toISOString(),
    });
    expect((await deliveries.listAttempts(owner.tenantId, upward)).map((a) => a.attempt)).toEqual([
      1, 2,
    ]);
  });

  it('rejects every attempt of a failed batch and writes none of it', async () => {
    const owner = await pendingDeliveries('failed-batch', 1);
    const [good] = owner.ids;
    const results = await Promise.allSettled([
      recorder.record(attempt(owner, good, 1, 'succeeded')),
      // A status the deliveries table's CHECK refuses (an integrity error, not bad data: the batch
      // is not split) — the batch's one statement fails.
      recorder.record(attempt(owner, good, 2, 'bogus' as never)),
    ]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect(await deliveries.get(owner.tenantId, good)).toMatchObject({
      status: 'pending',
      attempts: 0,
    });
    expect(await deliveries.listAttempts(owner.tenantId, good)).toEqual([]);

    // The next batch is written as usual.
    await recorder.record(attempt(owner, good, 1, 'succeeded'));
    expect(await deliveries.get(owner.tenantId, good)).toMatchObject({ status: 'succeeded' });
  });

  it('stores request bodies, and answers with NUL characters, which PostgreSQL text cannot hold', async () => {
    const owner = await pendingDeliveries('bodies', 2);
    const [debugged, plain] = owner.ids;
    await Promise.all([
      recorder.record({
        ...attempt(owner, debugged, 1, 'succeeded'),
        responseExcerpt: 'bin\u0000ary',
        requestBody: '{"meter_id":"m-0"}',
      }),
      recorder.record(attempt(owner, plain, 1, 'succeeded')),
    ]);
    expect(await deliveries.listAttempts(owner.tenantId, debugged)).toEqual([
      expect.objectContaining({
        responseExcerpt: 'bin\uFFFDary',
        requestBody: '{"meter_id":"m-0"}',
      }),
    ]);
    expect(await deliveries.listAttempts(owner.tenantId, plain)).toEqual([
      expect.objectContaining({ responseExcerpt: 'ok', requestBody: null }),
    ]);
  });

  it('writes what is queued on shutdown without waiting for the batch delay', async () => {
    const owner = await pendingDeliveries('shutdown', 3);
    const recorded = owner.ids.map((id) => recorder.record(attempt(owner, id, 1, 'dead')));
    await recorder.onApplicationShutdown();
    await Promise.all(recorded);
    const stored = await deliveries.getMany(owner.tenantId, owner.ids);
    expect(stored.map((delivery) => delivery.status)).toEqual(['dead', 'dead', 'dead']);
  });

  it('keeps a receiver answer holding NUL characters, shown as U+FFFD', async () => {
    const owner = await pendingDeliveries('nul-answer', 1);
    await recorder.record({
      ...attempt(owner, owner.ids[0], 1, 'retrying'),
      responseExcerpt: 'bad\u0000answer',
      errorMessage: 'receiver answered 503: \u0000',
    });
    const attempts = await deliveries.listAttemptsOf(owner.tenantId, owner.ids);
    expect(attempts.get(owner.ids[0])).toEqual([
      expect.objectContaining({
        responseExcerpt: 'bad\uFFFDanswer',
        errorMessage: 'receiver answered 503: \uFFFD',
      }),
    ]);
  });

  it('fails only the record PostgreSQL refuses, not the others of its batch', async () => {
    const owner = await pendingDeliveries('one-refused', 3);
    const poison = { ...attempt(owner, owner.ids[1], 1, 'succeeded'), deliveryId: 'dlv_\u0000' };
    const results = await Promise.allSettled([
      recorder.record(attempt(owner, owner.ids[0], 1, 'succeeded')),
      recorder.record(poison),
      recorder.record(attempt(owner, owner.ids[2], 1, 'succeeded')),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const [first, , third] = await deliveries.getMany(owner.tenantId, owner.ids);
    expect(first?.status).toBe('succeeded');
    expect(third?.status).toBe('succeeded');
  });
});
