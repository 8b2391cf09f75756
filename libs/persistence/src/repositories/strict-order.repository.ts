import type { DataSource } from 'typeorm';

export interface ParkedDelivery<M> {
  seq: string;
  deliveryId: string;
  message: M;
}

/**
 * Holds and parked deliveries of `strict` subscriptions. A hold names the delivery that is failing;
 * every later delivery of that subscription is parked in arrival order until the hold is released.
 * Parking and releasing lock the hold row, so a delivery is never parked behind a released hold.
 */
export class StrictOrderRepository {
  constructor(private readonly db: DataSource) {}

  /** The delivery holding the subscription, or null when it is not held. */
  async blockerOf(tenantId: string, subscriptionId: string): Promise<string | null> {
    const rows: { blocking_delivery_id: string }[] = await this.db.query(
      'SELECT blocking_delivery_id FROM delivery_holds WHERE tenant_id = $1 AND subscription_id = $2',
      [tenantId, subscriptionId],
    );
    return rows[0]?.blocking_delivery_id ?? null;
  }

  /**
   * Parks a delivery behind the subscription's hold when another delivery holds it; false (nothing
   * parked) when it is not held or this delivery is the one holding it.
   */
  async parkIfHeld<M extends object>(
    tenantId: string,
    subscriptionId: string,
    deliveryId: string,
    message: M,
  ): Promise<boolean> {
    return this.db.transaction(async (manager) => {
      const rows: { blocking_delivery_id: string }[] = await manager.query(
        `SELECT blocking_delivery_id FROM delivery_holds
          WHERE tenant_id = $1 AND subscription_id = $2 FOR UPDATE`,
        [tenantId, subscriptionId],
      );
      const blocker = rows[0]?.blocking_delivery_id;
      if (blocker === undefined || blocker === deliveryId) return false;
      await manager.query(
        `INSERT INTO parked_deliveries (subscription_id, tenant_id, delivery_id, message)
         VALUES ($1, $2, $3, $4)`,
        [subscriptionId, tenantId, deliveryId, JSON.stringify(message)],
      );
      return true;
    });
  }

  /** Makes `deliveryId` the delivery holding the subscription. */
  async hold(tenantId: string, subscriptionId: string, deliveryId: string): Promise<void> {
    await this.db.query(
      `INSERT INTO delivery_holds (subscription_id, tenant_id, blocking_delivery_id)
       VALUES ($1, $2, $3)
       ON CONFLICT (subscription_id) DO UPDATE SET blocking_delivery_id = EXCLUDED.blocking_delivery_id`,
      [subscriptionId, tenantId, deliveryId],
    );
  }

  async firstParked<M>(
    tenantId: string,
    subscriptionId: string,
  ): Promise<ParkedDelivery<M> | null> {
    const rows: { seq: string; delivery_id: string; message: M }[] = await this.db.query(
      `SELECT seq, delivery_id, message FROM parked_deliveries
        WHERE tenant_id = $1 AND subscription_id = $2 ORDER BY seq LIMIT 1`,
      [tenantId, subscriptionId],
    );
    const row = rows[0];
    return row ? { seq: String(row.seq), deliveryId: row.delivery_id, message: row.message } : null;
  }

  async unpark(seq: string): Promise<void> {
    await this.db.query('DELETE FROM parked_deliveries WHERE seq = $1', [seq]);
  }

  /** Releases the hold when nothing is parked behind it; false when something was parked meanwhile. */
  async releaseIfEmpty(tenantId: string, subscriptionId: string): Promise<boolean> {
    return this.db.transaction(async (manager) => {
      await manager.query(
        'SELECT 1 FROM delivery_holds WHERE tenant_id = $1 AND subscription_id = $2 FOR UPDATE',
        [tenantId, subscriptionId],
      );
      const parked: unknown[] = await manager.query(
        'SELECT 1 FROM parked_deliveries WHERE tenant_id = $1 AND subscription_id = $2 LIMIT 1',
        [tenantId, subscriptionId],
      );
      if (parked.length > 0) return false;
      await manager.query(
        'DELETE FROM delivery_holds WHERE tenant_id = $1 AND subscription_id = $2',
        [tenantId, subscriptionId],
      );
      return true;
    });
  }

  /**
   * Lets a subscription that is no longer `strict` go: hands every parked delivery, in order, to
   * `forward` (which must make them durable elsewhere, e.g. a Kafka topic) and then drops them and
   * the hold, under the hold's lock so a concurrent caller finds nothing to forward twice. Returns
   * how many were forwarded (0 when the subscription was not held).
   */
  async releaseAll<M>(
    tenantId: string,
    subscriptionId: string,
    forward: (parked: ParkedDelivery<M>[]) => Promise<void>,
  ): Promise<number> {
    return this.db.transaction(async (manager) => {
      const held: unknown[] = await manager.query(
        'SELECT 1 FROM delivery_holds WHERE tenant_id = $1 AND subscription_id = $2 FOR UPDATE',
        [tenantId, subscriptionId],
      );
      if (held.length === 0) return 0;
      const rows: { seq: string; delivery_id: string; message: M }[] = await manager.query(
        `SELECT seq, delivery_id, message FROM parked_deliveries
          WHERE tenant_id = $1 AND subscription_id = $2 ORDER BY seq`,
        [tenantId, subscriptionId],
      );
      const parked = rows.map((row) => ({
        seq: String(row.seq),
        deliveryId: row.delivery_id,
        message: row.message,
      }));
      // Forwarded before the rows go: a failure here leaves them parked, never lost.
      if (parked.length > 0) await forward(parked);
      await manager.query(
        'DELETE FROM parked_deliveries WHERE tenant_id = $1 AND subscription_id = $2',
        [tenantId, subscriptionId],
      );
      await manager.query(
        'DELETE FROM delivery_holds WHERE tenant_id = $1 AND subscription_id = $2',
        [tenantId, subscriptionId],
      );
      return parked.length;
    });
  }
}
