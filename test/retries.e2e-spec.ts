import { Kafka, logLevel } from 'kafkajs';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@herald/persistence';
import { ApiClient, waitFor, WebhookReceiver } from '@herald/testing';
import { startHerald, untilIngestKnows, type RunningHerald } from './support/herald-harness';

/** The retry ladder as far as the walking skeleton goes: schedule 1s,2s in tests. */
describe('retries: a failed delivery is retried from the retry topics, then dead-lettered', () => {
  let herald: RunningHerald;
  let receiver: WebhookReceiver;
  let operator: ApiClient;
  let db: DataSource;
  const kafka = new Kafka({
    brokers: (process.env.KAFKA_BROKERS ?? '').split(','),
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer();

  beforeAll(async () => {
    herald = await startHerald();
    receiver = await WebhookReceiver.start();
    operator = new ApiClient(herald.apiUrl, herald.config.auth.adminToken);
    db = await new DataSource(dataSourceOptions(herald.config.database.url)).initialize();
    await producer.connect();
  });

  afterAll(async () => {
    await producer.disconnect();
    await db.destroy();
    await receiver.stop();
    await herald.stop();
  });

  async function subscribeAndPublish(path: string): Promise<{ tenantId: string }> {
    const { tenantId, client } = await operator.createTenant(path);
    const created = await client.request<{ id: string }>('POST', '/v1/subscriptions', {
      event_types: ['*'],
      destination: { type: 'webhook', url: `${receiver.url}${path}` },
    });
    // The subscription reaches event-ingest through the outbox and the changelog; publishing before
    // it did would race it.
    await untilIngestKnows(herald, created.body.id);
    await producer.send({
      topic: 'herald.events.inbound',
      messages: [
        {
          value: JSON.stringify({
            tenant_id: tenantId,
            type: 'meter.created',
            data: { meter_id: 'm-9' },
          }),
        },
      ],
    });
    return { tenantId };
  }

  it('retries after a 500 with the same webhook-id and records both attempts', async () => {
    let calls = 0;
    receiver.respondWith((request) =>
      request.path === '/flaky' && ++calls === 1 ? { status: 500, body: 'boom' } : { status: 200 },
    );
    const { tenantId } = await subscribeAndPublish('/flaky');

    const deliveries = await waitFor('two requests to /flaky', () => {
      const seen = receiver.requests.filter((r) => r.path === '/flaky');
      return seen.length >= 2 && seen;
    });
    expect(deliveries[0].headers['webhook-id']).toBe(deliveries[1].headers['webhook-id']);
    expect(deliveries[1].receivedAt - deliveries[0].receivedAt).toBeGreaterThanOrEqual(900);

    const attempts = await waitFor('the delivery to be recorded as succeeded', async () => {
      const rows: {
        status: string;
        attempt: number;
        outcome: string;
        status_code: number;
        response_excerpt: string;
      }[] = await db.query(
        `SELECT d.status, a.attempt, a.outcome, a.status_code, a.response_excerpt
           FROM deliveries d JOIN attempts a ON a.delivery_id = d.id WHERE d.tenant_id = $1 ORDER BY a.attempt`,
        [tenantId],
      );
      return rows.length === 2 && rows[0].status === 'succeeded' && rows;
    });
    expect(attempts.map((a) => [a.attempt, a.outcome, a.status_code])).toEqual([
      [1, 'failed', 500],
      [2, 'succeeded', 200],
    ]);
    expect(attempts[0].response_excerpt).toBe('boom');
  });

  it('dead-letters a delivery when the schedule is spent', async () => {
    receiver.respondWith((request) =>
      request.path === '/down' ? { status: 503 } : { status: 200 },
    );
    const { tenantId } = await subscribeAndPublish('/down');
    await waitFor(
      'three attempts at /down',
      () => receiver.requests.filter((r) => r.path === '/down').length >= 3,
      20_000,
    );
    const delivery = await waitFor('the delivery to be dead', async () => {
      const rows: { id: string; status: string; attempts: number }[] = await db.query(
        'SELECT id, status, attempts FROM deliveries WHERE tenant_id = $1',
        [tenantId],
      );
      return rows[0]?.status === 'dead' && rows[0];
    });
    expect(delivery.attempts).toBe(3);

    const consumer = kafka.consumer({ groupId: `dlq-reader-${tenantId}` });
    const parked: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: 'herald.deliveries.dlq', fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        const value = JSON.parse(String(message.value)) as { delivery_id: string };
        if (value.delivery_id === delivery.id)
          parked.push(String(message.headers?.['herald-reason-code']));
        return Promise.resolve();
      },
    });
    await waitFor('the delivery in the DLQ', () => parked.length > 0);
    await consumer.disconnect();
    expect(parked).toEqual(['exhausted']);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(receiver.requests.filter((r) => r.path === '/down')).toHaveLength(3);
  });
});
