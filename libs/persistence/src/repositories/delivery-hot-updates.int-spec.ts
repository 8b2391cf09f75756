import { DataSource } from 'typeorm';
import { newId, type DeliveryStatus } from '@herald/domain';
import { testConfig } from '@herald/testing';
import { dataSourceOptions } from '../data-source';
import { DeliveriesRepository, type AttemptRecord } from './deliveries.repository';
import { TenantsRepository } from './tenants.repository';

/**
 * Migration DeliveryHotUpdates1764000018000: no index names a delivery's `status`, so an attempt
 * updates its row in place (a HOT update, no new index entries); the failing statuses are found
 * through `attention`. Against the real PostgreSQL, on one connection, so PostgreSQL's own counters
 * of this transaction tell what kind of update it made.
 *
 * Whether an update is HOT also depends on room on its page, which other suites' rows and updates
 * in the shared test database take: the updates are counted in this connection's own copies of
 * `deliveries` and `attempts` (temporary tables, which PostgreSQL finds first), made from the real
 * ones with their indexes, generated column and fill factor. The real table's design is checked in
 * the catalog.
 */
describe('delivery rows updated by their attempts', () => {
  let db: DataSource;
  let deliveries: DeliveriesRepository;
  let tenantId: string;

  beforeAll(async () => {
    const options = dataSourceOptions(testConfig().database.url);
    const extra = options.extra as Record<string, unknown>;
    // One connection, never closed while idle: the temporary tables live as long as it does.
    db = await new DataSource({
      ...options,
      extra: { ...extra, max: 1, idleTimeoutMillis: 0 },
    }).initialize();
    deliveries = new DeliveriesRepository(db);
    tenantId = (await new TenantsRepository(db).create('hot-updates')).id;
    const [{ reloptions }]: { reloptions: string[] | null }[] = await db.query(
      `SELECT reloptions FROM pg_class WHERE oid = 'public.deliveries'::regclass`,
    );
    await db.query(
      `CREATE TEMPORARY TABLE deliveries (LIKE public.deliveries INCLUDING ALL)
         WITH (${(reloptions ?? []).join(', ') || 'fillfactor = 100'})`,
    );
    await db.query(`CREATE TEMPORARY TABLE attempts (LIKE public.attempts INCLUDING ALL)`);
  });

  it('keeps `status` out of every index of the real table, whose pages are filled to 80 %', async () => {
    const indexes: { indexdef: string }[] = await db.query(
      `SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'deliveries'`,
    );
    expect(indexes.length).toBeGreaterThan(3);
    expect(indexes.filter(({ indexdef }) => /\bstatus\b/.test(indexdef))).toEqual([]);
    expect(indexes.some(({ indexdef }) => /\battention\b/.test(indexdef))).toBe(true);
    const [{ reloptions }]: { reloptions: string[] | null }[] = await db.query(
      `SELECT reloptions FROM pg_class WHERE oid = 'public.deliveries'::regclass`,
    );
    expect(reloptions).toContain('fillfactor=80');
    const [{ temporary }]: { temporary: boolean }[] = await db.query(
      `SELECT relpersistence = 't' AS temporary FROM pg_class WHERE oid = 'deliveries'::regclass`,
    );
    expect(temporary).toBe(true); // what the tests below count is this connection's copy
  });

  afterAll(async () => {
    await db.destroy();
  });

  /** Plans one delivery of a new event for each of `count` subscriptions; their ids. */
  const plan = async (
    count: number,
  ): Promise<{ id: string; subscriptionId: string; eventId: string }[]> => {
    const eventId = newId('evt');
    const subscriptionIds = Array.from({ length: count }, () => newId('sub'));
    const planned = await deliveries.planForEvents([
      { tenantId, eventId, eventType: 'meter.created', subscriptionIds },
    ]);
    return (planned.get(eventId) ?? []).map(({ delivery }) => ({
      id: delivery.id,
      subscriptionId: delivery.subscriptionId,
      eventId,
    }));
  };

  const attempt = (
    delivery: { id: string; subscriptionId: string },
    status: DeliveryStatus,
    number = 1,
  ): AttemptRecord => ({
    deliveryId: delivery.id,
    tenantId,
    subscriptionId: delivery.subscriptionId,
    attempt: number,
    startedAt: new Date(),
    durationMs: 3,
    outcome: status === 'succeeded' ? 'succeeded' : 'failed',
    statusCode: status === 'succeeded' ? 200 : 500,
    errorClass: status === 'succeeded' ? null : 'retryable',
    errorMessage: status === 'succeeded' ? null : 'receiver answered 500',
    responseExcerpt: '',
    status,
    nextAttemptAt: status === 'retrying' ? new Date(Date.now() + 5_000) : null,
  });

  /** This connection's updates of deliveries not yet reported to PostgreSQL's statistics, and how many were HOT. */
  const counters = async (): Promise<{ all: number; hot: number }> => {
    const [row]: { all: string; hot: string }[] = await db.query(
      `SELECT pg_stat_get_xact_tuples_updated('deliveries'::regclass)::text AS all,
              pg_stat_get_xact_tuples_hot_updated('deliveries'::regclass)::text AS hot`,
    );
    return { all: Number(row.all), hot: Number(row.hot) };
  };

  /** The updates of deliveries `work` makes, and how many were HOT (in a transaction, so nothing is reported meanwhile). */
  const updatesOf = async (work: () => Promise<void>): Promise<{ all: number; hot: number }> => {
    await db.query('BEGIN');
    try {
      const before = await counters();
      await work();
      const after = await counters();
      return { all: after.all - before.all, hot: after.hot - before.hot };
    } finally {
      await db.query('COMMIT');
    }
  };

  it('records first attempts that succeed as HOT updates (no index entry is written for them)', async () => {
    const planned = await plan(12);
    const updates = await updatesOf(() =>
      deliveries.recordAttempts(planned.map((delivery) => attempt(delivery, 'succeeded'))),
    );
    expect(updates).toEqual({ all: 12, hot: 12 });
  });

  it('records a later failed attempt in place too, once the first failure is recorded (attention stays `retrying`)', async () => {
    const [delivery] = await plan(1);
    await deliveries.recordAttempts([attempt(delivery, 'retrying', 1)]);
    const updates = await updatesOf(() =>
      deliveries.recordAttempts([attempt(delivery, 'retrying', 2)]),
    );
    expect(updates).toEqual({ all: 1, hot: 1 });
  });

  it('finds deliveries by each status and by several, the failing ones through `attention`', async () => {
    const [pending, succeeded, retrying, failed, dead] = await plan(5);
    await deliveries.recordAttempts([
      attempt(succeeded, 'succeeded'),
      attempt(retrying, 'retrying'),
      attempt(failed, 'failed'),
      attempt(dead, 'dead'),
    ]);
    const deadBefore = await deliveries.countPendingDeadLetters();
    const found = async (statuses: DeliveryStatus[]): Promise<string[]> => {
      const page = await deliveries.search(
        tenantId,
        { statuses, eventId: pending.eventId },
        { after: null, limit: 100 },
      );
      return page.data.map((item) => item.id).sort();
    };
    const ids = (...picked: { id: string }[]) => picked.map((delivery) => delivery.id).sort();
    expect(await found(['pending'])).toEqual(ids(pending));
    expect(await found(['succeeded'])).toEqual(ids(succeeded));
    expect(await found(['retrying'])).toEqual(ids(retrying));
    expect(await found(['failed', 'dead'])).toEqual(ids(failed, dead));
    expect(await found(['pending', 'dead'])).toEqual(ids(pending, dead));
    expect(await found(['succeeded', 'retrying'])).toEqual(ids(succeeded, retrying));

    await deliveries.recordAttempts([attempt(retrying, 'dead', 2)]);
    expect(await found(['retrying'])).toEqual([]);
    expect(await found(['dead'])).toEqual(ids(retrying, dead));
    expect(await deliveries.countPendingDeadLetters()).toBeGreaterThanOrEqual(deadBefore + 1);
  });
});
