import type { INestApplication } from '@nestjs/common';
import { Kafka, logLevel } from 'kafkajs';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@herald/persistence';
import { createService } from '@herald/runtime';
import { ApiClient, testConfig, untilReady, waitFor, appUrl } from '@herald/testing';
import { SubscriptionApiModule } from '../../../subscription-api/src/subscription-api.module';
import { EventIngestModule } from '../event-ingest.module';

type EventTypeBody = { name: string; description: string; archived_at: string | null };

describe('event types registered on first sight by event-ingest', () => {
  let ingest: INestApplication;
  let api: INestApplication;
  let operator: ApiClient;
  let db: DataSource;
  const kafka = new Kafka({
    clientId: 'event-type-registration-int-spec',
    brokers: (process.env.KAFKA_BROKERS ?? '').split(','),
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer();

  const publish = async (tenantId: string, type: string, id: string): Promise<void> => {
    await producer.send({
      topic: 'herald.events.inbound',
      messages: [
        { key: tenantId, value: JSON.stringify({ id, tenant_id: tenantId, type, data: {} }) },
      ],
    });
  };
  const eventStored = (tenantId: string, id: string) =>
    waitFor(
      `event ${id} to be stored`,
      async () => {
        const rows: unknown[] = await db.query(
          'SELECT 1 FROM events WHERE tenant_id = $1 AND id = $2',
          [tenantId, id],
        );
        return rows.length > 0;
      },
      45_000,
    );

  beforeAll(async () => {
    const config = testConfig();
    ingest = await createService('event-ingest', EventIngestModule.forRoot(config), config);
    await untilReady(ingest);
    api = await createService('subscription-api', SubscriptionApiModule.forRoot(config), config);
    const url = appUrl(api);
    operator = new ApiClient(url, config.auth.adminToken);
    db = await new DataSource(dataSourceOptions(config.database.url)).initialize();
    await producer.connect();
  });

  afterAll(async () => {
    await producer.disconnect();
    await db.destroy();
    await Promise.all([ingest.close(), api.close()]);
  });

  it('adds a type the tenant has not registered to its catalog when an event of it arrives', async () => {
    const { tenantId, client } = await operator.createTenant('first-sight');
    expect((await client.request('GET', '/v1/event-types/meter.created')).status).toBe(404);
    await publish(tenantId, 'meter.created', 'first-sight-1');
    const found = await waitFor(
      'meter.created in the catalog',
      async () => {
        const response = await client.request<EventTypeBody>(
          'GET',
          '/v1/event-types/meter.created',
        );
        return response.status === 200 && response.body;
      },
      45_000,
    );
    expect(found).toMatchObject({ name: 'meter.created', description: '', archived_at: null });
    const list = await client.request<{ data: EventTypeBody[] }>('GET', '/v1/event-types');
    expect(list.body.data.map((type) => type.name)).toEqual(['meter.created']);
  });

  it('keeps what the tenant registered, archived or not', async () => {
    const { tenantId, client } = await operator.createTenant('registered');
    await client.request('POST', '/v1/event-types', {
      name: 'user.created',
      description: 'described by the tenant',
      payload_fields: ['id'],
    });
    await client.request('POST', '/v1/event-types', { name: 'user.deleted' });
    await client.request('DELETE', '/v1/event-types/user.deleted');
    await publish(tenantId, 'user.created', 'registered-1');
    await publish(tenantId, 'user.deleted', 'registered-2');
    await eventStored(tenantId, 'registered-2');
    expect((await client.request('GET', '/v1/event-types/user.created')).body).toMatchObject({
      description: 'described by the tenant',
      payload_fields: ['id'],
    });
    const deleted = await client.request<EventTypeBody>('GET', '/v1/event-types/user.deleted');
    expect(deleted.body.archived_at).toEqual(expect.any(String));
  });

  it('registers the type in the sender’s catalog only', async () => {
    const sender = await operator.createTenant('sender');
    const other = await operator.createTenant('other');
    await publish(sender.tenantId, 'customer.created', 'sender-1');
    await eventStored(sender.tenantId, 'sender-1');
    expect((await sender.client.request('GET', '/v1/event-types/customer.created')).status).toBe(
      200,
    );
    expect((await other.client.request('GET', '/v1/event-types/customer.created')).status).toBe(
      404,
    );
  });
});
