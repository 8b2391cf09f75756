import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { newId, type DeliveryStatus } from '@herald/domain';
import { dataSourceOptions, DeliveriesRepository, EventsRepository } from '@herald/persistence';
import { createService } from '@herald/runtime';
import { ApiClient, appUrl, testConfig, waitFor } from '@herald/testing';
import { SubscriptionApiModule } from '../subscription-api.module';

type ErrorBody = { error: { code: string; message: string } };
type TenantBody = { id: string; retention: string | null };

/** Retention through the API: a tenant's own retention, the purger's timer, and what expired answers. */
describe('retention in subscription-api', () => {
  let app: INestApplication;
  let operator: ApiClient;
  let db: DataSource;
  let events: EventsRepository;
  let deliveries: DeliveriesRepository;

  beforeAll(async () => {
    const config = testConfig({ HERALD_RETENTION_INTERVAL: '500ms' });
    app = await createService('subscription-api', SubscriptionApiModule.forRoot(config), config);
    operator = new ApiClient(appUrl(app), config.auth.adminToken);
    db = await new DataSource(dataSourceOptions(config.database.url)).initialize();
    events = new EventsRepository(db);
    deliveries = new DeliveriesRepository(db);
  });

  afterAll(async () => {
    await db.destroy();
    await app.close();
  });

  it('sets, shows and clears a tenant’s own retention, and refuses one that is not a duration', async () => {
    const created = await operator.request<TenantBody>('POST', '/v1/tenants', {
      name: 'retention-own',
      retention: '90d',
    });
    expect(created).toMatchObject({ status: 201, body: { retention: '90d' } });
    const path = `/v1/tenants/${created.body.id}`;
    expect(await operator.request('PATCH', path, { retention: '12h' })).toMatchObject({
      status: 200,
      body: { retention: '12h' },
    });
    expect((await operator.request<TenantBody>('GET', path)).body.retention).toBe('12h');
    for (const retention of ['forever', '0s', '3651d', 30]) {
      const refused = await operator.request<ErrorBody>('PATCH', path, { retention });
      expect(refused.status).toBe(422);
      expect(refused.body.error.code).toBe('validation_failed');
    }
    expect(await operator.request('PATCH', path, { retention: null })).toMatchObject({
      status: 200,
      body: { retention: null },
    });
    expect(
      (await operator.request('PATCH', '/v1/tenants/ten_missing', { retention: '1d' })).status,
    ).toBe(404);
    expect(
      (await operator.request<TenantBody>('POST', '/v1/tenants', { name: 'default' })).body
        .retention,
    ).toBeNull();
  });

  it('purges a short-retention tenant on its timer; purged ids answer 404 expired, pending deliveries stay', async () => {
    const { tenantId, client } = await operator.createTenant('retention-expired');
    expect(
      (await operator.request('PATCH', `/v1/tenants/${tenantId}`, { retention: '2s' })).status,
    ).toBe(200);
    const subscriptionId = newId('sub');
    const eventOf = async (status: DeliveryStatus) => {
      const id = newId('evt');
      await events.storeAll([
        {
          id,
          tenantId,
          type: 'meter.created',
          occurredAt: new Date().toISOString(),
          receivedAt: new Date().toISOString(),
          subject: null,
          changedFields: null,
          data: { n: 1 },
        },
      ]);
      const planned = await deliveries.planForEvents([
        { tenantId, eventId: id, eventType: 'meter.created', subscriptionIds: [subscriptionId] },
      ]);
      const deliveryId = planned.get(id)?.[0].delivery.id ?? '';
      if (status !== 'pending') {
        await deliveries.recordAttempt({
          deliveryId,
          tenantId,
          subscriptionId,
          attempt: 1,
          startedAt: new Date(),
          durationMs: 3,
          outcome: 'succeeded',
          statusCode: 200,
          errorClass: null,
          errorMessage: null,
          responseExcerpt: null,
          status,
          nextAttemptAt: null,
        });
      }
      return { eventId: id, deliveryId };
    };
    const delivered = await eventOf('succeeded');
    const pending = await eventOf('pending');
    expect((await client.request('GET', `/v1/events/${delivered.eventId}`)).status).toBe(200);
    expect((await client.request('GET', `/v1/deliveries/${delivered.deliveryId}`)).status).toBe(
      200,
    );

    await waitFor(
      'the delivered history to be purged',
      async () =>
        (await client.request('GET', `/v1/deliveries/${delivered.deliveryId}`)).status === 404,
      15_000,
      200,
    );
    for (const [method, path] of [
      ['GET', `/v1/events/${delivered.eventId}`],
      ['POST', `/v1/events/${delivered.eventId}/replay`],
      ['GET', `/v1/deliveries/${delivered.deliveryId}`],
      ['POST', `/v1/deliveries/${delivered.deliveryId}/retry`],
    ]) {
      const answer = await client.request<ErrorBody>(method, path);
      expect({ path, status: answer.status, code: answer.body.error.code }).toEqual({
        path,
        status: 404,
        code: 'expired',
      });
      expect(answer.body.error.message).toContain("older than this tenant's retention of 2s");
    }
    // Still to be sent: kept, with its event, however old.
    expect(
      (await client.request('GET', `/v1/deliveries/${pending.deliveryId}`)).body,
    ).toMatchObject({ id: pending.deliveryId, status: 'pending' });
    expect((await client.request('GET', `/v1/events/${pending.eventId}`)).status).toBe(200);
    // An id that is not past retention, or carries no time, was never there.
    for (const path of [`/v1/deliveries/${newId('dlv')}`, '/v1/events/order-42']) {
      const answer = await client.request<ErrorBody>('GET', path);
      expect({ status: answer.status, code: answer.body.error.code }).toEqual({
        status: 404,
        code: 'not_found',
      });
    }
  });
});
