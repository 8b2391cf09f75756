import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { testConfig } from '@herald/testing';
import { dataSourceOptions } from './data-source';
import { OutboxRelay, type OutboxPublish } from './outbox-relay';
import { enqueueOutboxMessage, OutboxRepository } from './repositories/outbox.repository';
import { JsonLogger } from '@herald/observability';

/**
 * Relays of several services share the outbox (the API's and the deliverer's): one at a time holds
 * the lock, and a flush waits for another's relay to end instead of returning before the change is on
 * Kafka.
 */
describe('OutboxRelay', () => {
  let db: DataSource;
  let outbox: OutboxRepository;
  const logger = new JsonLogger('outbox-test', 'error');

  beforeAll(async () => {
    db = await new DataSource(dataSourceOptions(testConfig().database.url)).initialize();
    outbox = new OutboxRepository(db);
  });

  afterAll(async () => {
    await db.destroy();
  });

  /** A publisher that records what it was given (other suites' leftovers included). */
  function recording(): { publish: OutboxPublish; published: Map<string, string[]> } {
    const published = new Map<string, string[]>();
    return {
      published,
      publish: (topic, messages) => {
        const values = messages.map((message) => message.value.toString());
        published.set(topic, [...(published.get(topic) ?? []), ...values]);
        return Promise.resolve();
      },
    };
  }

  it('publishes what is queued, once, in order, and deletes it', async () => {
    const topic = `outbox-test-${randomUUID()}`;
    for (const n of [1, 2, 3])
      await enqueueOutboxMessage(db.manager, { topic, key: 'k', value: { n } });
    const { publish, published } = recording();
    const relay = new OutboxRelay(outbox, publish, logger);
    await relay.flush();
    await relay.flush();
    expect(published.get(topic)).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
    const [left] = await db.query<{ count: string }[]>(
      'SELECT count(*) FROM outbox WHERE topic = $1',
      [topic],
    );
    expect(Number(left.count)).toBe(0);
  });

  it("flushes only after another service's relay, holding the lock, has published", async () => {
    const topic = `outbox-test-${randomUUID()}`;
    await enqueueOutboxMessage(db.manager, { topic, key: 'k', value: { n: 1 } });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const slow = new OutboxRelay(
      outbox,
      async () => {
        calls++;
        await released;
      },
      logger,
    );
    const other = recording();
    const fast = new OutboxRelay(outbox, other.publish, logger);

    slow.nudge();
    const deadline = Date.now() + 10_000;
    while (calls === 0 && Date.now() < deadline) await sleep(20);
    expect(calls).toBe(1);

    let flushed = false;
    const flush = fast.flush().then(() => (flushed = true));
    await sleep(500);
    // The other relay holds the lock with the change not yet on Kafka: the flush waits.
    expect(flushed).toBe(false);
    release();
    await flush;
    await slow.flush();
    // Published once, by the relay that held it.
    expect(other.published.get(topic)).toBeUndefined();
  });

  it('shares one waiting flush among the callers that come while it waits', async () => {
    const { publish } = recording();
    const relay = new OutboxRelay(outbox, publish, logger);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const holder = new OutboxRelay(outbox, () => released, logger);
    const topic = `outbox-test-${randomUUID()}`;
    await enqueueOutboxMessage(db.manager, { topic, key: 'k', value: { n: 1 } });
    holder.nudge();
    await sleep(300);
    const first = relay.flush();
    const second = relay.flush();
    expect(second).toBe(first);
    release();
    await Promise.all([first, holder.flush()]);
  });
});
