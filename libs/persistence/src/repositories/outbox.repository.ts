import type { DataSource, EntityManager } from 'typeorm';
import type { TopicDefinition } from '@herald/contracts';

export interface OutboxMessage {
  id: string;
  topic: string;
  key: string | null;
  value: unknown;
}

/** Queues a message in the caller's transaction; it is published only if that transaction commits. */
export async function enqueueOutbox<T>(
  manager: EntityManager,
  topic: TopicDefinition<T>,
  message: T,
): Promise<void> {
  await enqueueOutboxMessage(manager, {
    topic: topic.name,
    key: topic.key(message),
    value: message,
  });
}

/** A message for any topic, for callers that build the value themselves. */
export interface PendingMessage {
  topic: string;
  key: string | null;
  value: unknown;
}

export async function enqueueOutboxMessage(
  manager: EntityManager,
  message: PendingMessage,
): Promise<void> {
  await manager.query('INSERT INTO outbox (topic, key, value) VALUES ($1, $2, $3)', [
    message.topic,
    message.key,
    JSON.stringify(message.value),
  ]);
}

const RELAY_LOCK = 727275;

export class OutboxRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Publishes the oldest queued messages and deletes them once `publish` resolved, all in one
   * transaction: a failed publish leaves them queued. One relay at a time holds the lock (whichever
   * service or replica runs it), so messages of one key are published in the order they were
   * queued. With `wait`, a relay held by another waits for it to end — when this one starts, what
   * the other took is on Kafka — instead of giving up at once.
   */
  async relay(
    limit: number,
    publish: (messages: OutboxMessage[]) => Promise<void>,
    wait = false,
  ): Promise<number> {
    return this.db.transaction(async (manager) => {
      const [lock]: { ok: boolean }[] = await manager.query(
        wait
          ? 'SELECT true AS ok FROM pg_advisory_xact_lock($1)'
          : 'SELECT pg_try_advisory_xact_lock($1) AS ok',
        [RELAY_LOCK],
      );
      if (!lock.ok) return 0;
      const rows: OutboxMessage[] = await manager.query(
        'SELECT id, topic, key, value FROM outbox ORDER BY id LIMIT $1',
        [limit],
      );
      if (rows.length === 0) return 0;
      await publish(rows);
      await manager.query('DELETE FROM outbox WHERE id = ANY($1::bigint[])', [
        rows.map((row) => row.id),
      ]);
      return rows.length;
    });
  }
}
