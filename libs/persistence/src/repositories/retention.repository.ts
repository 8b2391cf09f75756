import { type DataSource, type QueryRunner } from 'typeorm';
import { ulid } from '@herald/domain';

/** What one purge removed. */
export interface Purged {
  events: number;
  deliveries: number;
  attempts: number;
}

/** A tenant and how long its history is kept. */
export interface TenantRetention {
  tenantId: string;
  retentionMs: number;
}

type Query = (sql: string, params: unknown[]) => Promise<unknown>;

/** Deletes per statement: each is a short transaction that locks only the rows it removes. */
export const PURGE_CHUNK = 1000;

/** Held by the one subscription-api replica purging at a time ('herald.retention' as a number). */
const PURGE_LOCK = 0x68657274;

/** Statuses that are still to be sent: never purged, however old. */
const UNRESOLVED = `('pending', 'retrying')`;

/**
 * Retention: each tenant's history older than its retention is deleted in short chunks that walk
 * existing indexes, oldest first. A delivery goes with its attempts; an event goes only once no
 * delivery of it is left, so every delivery's event is still there to be sent again. Deliveries
 * pending or retrying are never touched, and neither are their events and attempts.
 */
export class RetentionRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Every tenant that may have history past its retention at `now`, with that retention: a tenant
   * younger than its retention has none (nothing of it is older than the tenant itself), so a pass
   * skips it without a statement.
   */
  async tenants(defaultMs: number, now: number = Date.now()): Promise<TenantRetention[]> {
    const rows: { id: string; retention_ms: string }[] = await this.db.query(
      `SELECT id, COALESCE(retention_ms, $1) AS retention_ms FROM tenants
        WHERE created_at < to_timestamp(($2::bigint - COALESCE(retention_ms, $1)) / 1000.0)
        ORDER BY id`,
      [defaultMs, now],
    );
    return rows.map((row) => ({ tenantId: row.id, retentionMs: Number(row.retention_ms) }));
  }

  /** How long this tenant's history is kept: its own retention, else the default. */
  async retentionOf(tenantId: string, defaultMs: number): Promise<number> {
    const rows: { retention_ms: string | null }[] = await this.db.query(
      'SELECT retention_ms FROM tenants WHERE id = $1',
      [tenantId],
    );
    return rows[0]?.retention_ms == null ? defaultMs : Number(rows[0].retention_ms);
  }

  /** Sets a tenant's own retention, or with null returns it to the default; false: no such tenant. */
  async setRetention(tenantId: string, retentionMs: number | null): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      // A SELECT around it: TypeORM answers a bare UPDATE … RETURNING with [rows, count].
      'WITH changed AS (UPDATE tenants SET retention_ms = $2 WHERE id = $1 RETURNING id) SELECT id FROM changed',
      [tenantId, retentionMs],
    );
    return rows.length > 0;
  }

  /**
   * Runs `purge` on one connection holding a session advisory lock, so replicas take turns; returns
   * null at once when another holds it. Each statement inside commits on its own.
   */
  async whileHoldingPurgeLock<T>(
    purge: (query: Query) => Promise<T>,
  ): Promise<{ result: T } | null> {
    const runner: QueryRunner = this.db.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [
        PURGE_LOCK,
      ])) as { locked: boolean }[];
      if (!locked) return null;
      try {
        return { result: await purge((sql, params) => runner.query(sql, params)) };
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [PURGE_LOCK]);
      }
    } finally {
      await runner.release();
    }
  }

  /**
   * Deletes one tenant's history from before `cutoff`, `chunk` rows per statement: deliveries (with
   * their attempts) first, then the events none is left for; `pause` is awaited between full chunks.
   */
  async purgeTenant(
    tenantId: string,
    cutoff: Date,
    chunk: number = PURGE_CHUNK,
    query: Query = (sql, params) => this.db.query(sql, params),
    pause: () => Promise<unknown> = () => Promise.resolve(),
  ): Promise<Purged> {
    const purged: Purged = { events: 0, deliveries: 0, attempts: 0 };
    // Ids sort by creation time: every delivery made before the cutoff sorts below this one, so the
    // walk stays inside the old end of the (tenant_id, id) index; created_at decides.
    const below = `dlv_${ulid(cutoff.getTime(), Buffer.alloc(10))}`;
    let after = '';
    for (;;) {
      const [row] = (await query(
        `WITH doomed AS (
           SELECT id FROM deliveries
            WHERE tenant_id = $1 AND id > $2::text AND id < $3::text AND created_at < $4
              AND status NOT IN ${UNRESOLVED}
            ORDER BY id LIMIT $5
         ), gone AS (
           DELETE FROM deliveries d USING doomed
            WHERE d.id = doomed.id AND d.status NOT IN ${UNRESOLVED}
           RETURNING d.id
         ), attempts_gone AS (
           DELETE FROM attempts a USING gone WHERE a.delivery_id = gone.id RETURNING 1
         )
         SELECT (SELECT max(id) FROM doomed) AS last,
                (SELECT count(*) FROM doomed)::int AS scanned,
                (SELECT count(*) FROM gone)::int AS deliveries,
                (SELECT count(*) FROM attempts_gone)::int AS attempts`,
        [tenantId, after, below, cutoff, chunk],
      )) as { last: string | null; scanned: number; deliveries: number; attempts: number }[];
      purged.deliveries += row.deliveries;
      purged.attempts += row.attempts;
      if (row.scanned < chunk || row.last === null) break;
      after = row.last;
      await pause();
    }
    let afterTime = new Date(0);
    let afterId = '';
    for (;;) {
      // The oldest events first, a chunk at a time by the (tenant_id, received_at) index, and only
      // then the probe for deliveries left: filtered inside the scan, the planner would rather hash
      // every delivery of the tenant against every event than stop after a chunk.
      const [row] = (await query(
        `WITH candidates AS MATERIALIZED (
           SELECT e.id, e.received_at FROM events e
            WHERE e.tenant_id = $1 AND e.received_at < $2 AND e.received_at >= $3::timestamptz
              AND (e.received_at, e.id) > ($3::timestamptz, $4::text)
            ORDER BY e.received_at, e.id LIMIT $5
         ), gone AS (
           DELETE FROM events e USING candidates c
            WHERE e.tenant_id = $1 AND e.id = c.id
              AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.tenant_id = $1 AND d.event_id = c.id)
           RETURNING 1
         ), last AS (
           SELECT received_at, id FROM candidates ORDER BY received_at DESC, id DESC LIMIT 1
         )
         SELECT (SELECT received_at FROM last) AS last_time, (SELECT id FROM last) AS last_id,
                (SELECT count(*) FROM candidates)::int AS scanned,
                (SELECT count(*) FROM gone)::int AS events`,
        [tenantId, cutoff, afterTime, afterId, chunk],
      )) as { last_time: Date | null; last_id: string | null; scanned: number; events: number }[];
      purged.events += row.events;
      if (row.scanned < chunk || row.last_time === null || row.last_id === null) break;
      afterTime = row.last_time;
      afterId = row.last_id;
      await pause();
    }
    return purged;
  }
}
