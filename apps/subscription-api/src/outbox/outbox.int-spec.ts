import type { INestApplication } from '@nestjs/common';
import { Kafka, logLevel } from 'kafkajs';
import { DataSource } from 'typeorm';
import type { SubscriptionChangeMessage } from '@herald/contracts';
import { createService } from '@herald/runtime';
import { dataSourceOptions } from '@herald/persistence';
import { ApiClient, testConfig, waitFor, appUrl } from '@herald/testing';
import { SubscriptionApiModule } from '../subscription-api.module';

describe('subscription changes reach herald.subscriptions.changelog through the outbox', () => {
  const config = testConfig();
  let app: INestApplication;
  let operator: ApiClient;
  let db: DataSource;
  const kafka = new Kafka({ brokers: config.kafka.brokers, logLevel: logLevel.NOTHING });

  beforeAll(async () => {
    app = await createService('subscription-api', SubscriptionApiModule.forRoot(config), config);
    operator = new ApiClient(appUrl(app), config.auth.adminToken);
    db = await new DataSource(dataSourceOptions(config.database.url)).initialize();
  });

  afterAll(async () => {
    await db.destroy();
    await app.close();
  });

  it('publishes create, change and delete in order, keyed by subscription id, without destinations or secrets', async () => {
    const { tenantId, client } = await operator.createTenant('changelog');
    const created = await client.request<{ id: string; secret: string }>(
      'POST',
      '/v1/subscriptions',
      {
        event_types: ['meter_data.*'],
        destination: {
          type: 'webhook',
          url: 'https://example.com/x',
          headers: { Authorization: 'Token hidden' },
        },
      },
    );
    await client.request('PATCH', `/v1/subscriptions/${created.body.id}`, {
      enabled: false,
      event_types: ['*'],
    });
    await client.request('DELETE', `/v1/subscriptions/${created.body.id}`);

    const seen: { key: string; value: SubscriptionChangeMessage; raw: string }[] = [];
    const consumer = kafka.consumer({ groupId: `changelog-reader-${tenantId}` });
    await consumer.connect();
    await consumer.subscribe({ topic: 'herald.subscriptions.changelog', fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        const raw = String(message.value);
        const value = JSON.parse(raw) as SubscriptionChangeMessage;
        if (value.tenant_id === tenantId) seen.push({ key: String(message.key), value, raw });
        return Promise.resolve();
      },
    });
    await waitFor('three changelog messages', () => seen.length >= 3);
    await consumer.disconnect();

    expect(seen.map((entry) => entry.key)).toEqual([
      created.body.id,
      created.body.id,
      created.body.id,
    ]);
    expect(
      seen.map((entry) => [entry.value.op, entry.value.subscription?.enabled ?? null]),
    ).toEqual([
      ['upsert', true],
      ['upsert', false],
      ['delete', null],
    ]);
    expect(seen[0].value.subscription).toMatchObject({
      event_types: ['meter_data.*'],
      status: 'active',
    });
    expect(seen[1].value.subscription?.event_types).toEqual(['*']);
    for (const entry of seen) {
      expect(entry.raw).not.toContain('example.com');
      expect(entry.raw).not.toContain('hidden');
      expect(entry.raw).not.toContain(created.body.secret);
    }
    const left: unknown[] = await db.query(`SELECT id FROM outbox WHERE value->>'tenant_id' = $1`, [
      tenantId,
    ]);
    expect(left).toEqual([]);
  });
});
