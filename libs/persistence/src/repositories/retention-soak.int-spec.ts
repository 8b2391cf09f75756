import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { newId, retentionCutoff, type HeraldEvent } from '@herald/domain';
import { testConfig } from '@herald/testing';
import { dataSourceOptions } from '../data-source';
import { DeliveriesRepository } from './deliveries.repository';
import { EventsRepository } from './events.repository';
import { RetentionRepository } from './retention.repository';
import { TenantsRepository } from './tenants.repository';

const HISTORY = ['events', 'deliveries', 'attempts'] as const;
const RETENTION_MS = 10_000;
const SOAK_MS = 90_000;
const BATCH = 25;
const WRITE_EVERY_MS = 100;
const PURGE_EVERY_MS = 1_000;

/**
 * A soak against the real PostgreSQL: history written without pause for a minute and a half by a
 * tenant keeping ten seconds of it, purged every second. The database's size stays flat once the
 * purge and vacuum keep pace, while what is still to be sent is never touched. Time is compressed as
 * in the retry specs: the retention is seconds instead of days, and autovacuum wakes every second
 * instead of every minute (restored afterwards).
 */
describe('retention soak', () => {
  let db: DataSource;
  let events: EventsRepository;
  let deliveries: DeliveriesRepository;
  let retention: RetentionRepository;

  beforeAll(async () => {
    db = await new DataSource(dataSourceOptions(testConfig().database.url)).initialize();
    events = new EventsRepository(db);
    deliveries = new DeliveriesRepository(db);
    retention = new RetentionRepository(db);
    await db.query(`ALTER SYSTEM SET autovacuum_naptime = '1s'`);
    await db.query('SELECT pg_reload_conf()');
    for (const table of HISTORY) {
      await db.query(
        `ALTER TABLE ${table} SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 2000)`,
      );
    }
  });

  afterAll(async () => {
    for (const table of HISTORY) {
      await db.query(
        `ALTER TABLE ${table} RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold)`,
      );
    }
    await db.query('ALTER SYSTEM RESET autovacuum_naptime');
    await db.query('SELECT pg_reload_conf()');
    await db.destroy();
  });

  const historyBytes = async (): Promise<number> => {
    const [row] = await db.query<{ bytes: string }[]>(
      `SELECT pg_total_relation_size('events') + pg_total_relation_size('deliveries')
              + pg_total_relation_size('attempts') AS bytes`,
    );
    return Number(row.bytes);
  };

  it(
    'keeps the history tables flat in size under a steady write load, and never touches a pending delivery',
    async () => {
      const tenantId = (await new TenantsRepository(db).create('retention-soak', RETENTION_MS)).id;
      const subscriptionIds = [newId('sub'), newId('sub')];
      const event = (): HeraldEvent => ({
        id: newId('evt'),
        tenantId,
        type: 'meter_data.received',
        occurredAt: new Date().toISOString(),
        receivedAt: new Date().toISOString(),
        subject: 'node/42/source/inv-1',
        changedFields: null,
        data: { reading: 'x'.repeat(400), n: Math.random() },
      });
      // One delivery stays pending through the whole soak, as one behind a long outage would.
      const waiting = event();
      await events.storeAll([waiting]);
      const pendingId = (
        await deliveries.planForEvents([
          { tenantId, eventId: waiting.id, eventType: waiting.type, subscriptionIds },
        ])
      )
        .get(waiting.id)
        ?.map(({ delivery }) => delivery.id);

      const started = Date.now();
      let written = 0;
      let purgedDeliveries = 0;
      let purging = true;
      const purger = (async () => {
        while (purging) {
          const purged = await retention.purgeTenant(
            tenantId,
            retentionCutoff(Date.now(), RETENTION_MS),
          );
          purgedDeliveries += purged.deliveries;
          await sleep(PURGE_EVERY_MS);
        }
      })();
      const sizes: { at: number; bytes: number }[] = [];
      let nextSample = started;
      while (Date.now() - started < SOAK_MS) {
        const batch = Array.from({ length: BATCH }, event);
        await events.storeAll(batch);
        const planned = await deliveries.planForEvents(
          batch.map((e) => ({ tenantId, eventId: e.id, eventType: e.type, subscriptionIds })),
        );
        await deliveries.recordAttempts(
          [...planned.values()].flat().map(({ delivery }) => ({
            deliveryId: delivery.id,
            tenantId,
            subscriptionId: delivery.subscriptionId,
            attempt: 1,
            startedAt: new Date(),
            durationMs: 4,
            outcome: 'succeeded' as const,
            statusCode: 200,
            errorClass: null,
            errorMessage: null,
            responseExcerpt: 'ok',
            status: 'succeeded' as const,
            nextAttemptAt: null,
          })),
        );
        written += batch.length;
        if (Date.now() >= nextSample) {
          sizes.push({ at: Date.now() - started, bytes: await historyBytes() });
          nextSample += 5_000;
        }
        await sleep(WRITE_EVERY_MS);
      }
      purging = false;
      await purger;

      const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
      const [{ live }] = await db.query<{ live: number }[]>(
        'SELECT count(*)::int AS live FROM events WHERE tenant_id = $1',
        [tenantId],
      );
      const rate = written / (SOAK_MS / 1000);
      process.stderr.write(
        `retention soak: ${written} events (${Math.round(rate)}/s, 2 deliveries and 2 attempts each), ` +
          `${purgedDeliveries} deliveries purged, ${live} events live; history MiB over time: ` +
          `${sizes.map(({ at, bytes }) => `${Math.round(at / 1000)}s=${mib(bytes)}`).join(' ')}\n`,
      );

      // Rows: what is live is about the retention's worth (plus a purge interval and a batch).
      expect(written).toBeGreaterThan(rate * 60);
      expect(live).toBeLessThan(rate * ((RETENTION_MS + 3 * PURGE_EVERY_MS) / 1000));
      // Size: the second half of the soak adds next to nothing to what the first half reached, while
      // it writes as much again (an unpurged history would have doubled in that time).
      const half = sizes.filter(({ at }) => at <= SOAK_MS / 2);
      const firstHalfMax = Math.max(...half.map(({ bytes }) => bytes));
      const end = Math.max(...sizes.slice(half.length).map(({ bytes }) => bytes));
      const start = sizes[0].bytes;
      expect(end - start).toBeLessThan(1.25 * (firstHalfMax - start));
      // Still to be sent: kept through it all, with its event.
      expect(await events.get(tenantId, waiting.id)).not.toBeNull();
      expect(
        (await deliveries.getMany(tenantId, pendingId ?? [])).map((delivery) => delivery.status),
      ).toEqual(['pending', 'pending']);
    },
    SOAK_MS + 60_000,
  );
});
