import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { decodeDelivery, type DeliveryMessage } from '@herald/contracts';
import { newId, type Delivery, type DeliveryStatus } from '@herald/domain';
import { dataSourceOptions, DeliveriesRepository, EventsRepository } from '@herald/persistence';
import { createService } from '@herald/runtime';
import { ApiClient, testConfig, waitFor, TopicRecorder, appUrl } from '@herald/testing';
import { SubscriptionApiModule } from '../subscription-api.module';

type ErrorBody = {
  error: { code: string; message: string; details: { field: string; message: string }[] };
};
type DeliveryItem = {
  id: string;
  subscription_id: string;
  event_id: string;
  event_type: string;
  origin: string;
  status: string;
  attempts: number;
};
type AttemptItem = {
  attempt: number;
  started_at: string;
  outcome: string;
  status_code: number | null;
};
type TestResult = { delivery: DeliveryItem; attempt: AttemptItem | null };
type Page<T> = { data: T[]; next_cursor: string | null };

const DELIVERY_TIMEOUT_MS = 500;
/** Nothing listens here, so a delivery another suite's deliverer picks up fails fast. */
const NOWHERE = 'http://127.0.0.1:9/hooks';
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('subscription actions: test and recover', () => {
  let app: INestApplication;
  let operator: ApiClient;
  let db: DataSource;
  let events: EventsRepository;
  let deliveries: DeliveriesRepository;
  let recorder: TopicRecorder<DeliveryMessage>;
  /**
   * Answers only after the longest wait of `/test`, so a deliverer of another suite (e2e suites share
   * this Kafka) that picks up a test delivery makes no attempt while a test here waits for one.
   */
  let slow: Server;
  let slowUrl: string;
  let emitted: DeliveryMessage[] = [];

  beforeAll(async () => {
    const config = testConfig({ HERALD_DELIVERY_TIMEOUT_MS: String(DELIVERY_TIMEOUT_MS) });
    app = await createService('subscription-api', SubscriptionApiModule.forRoot(config), config);
    const url = appUrl(app);
    operator = new ApiClient(url, config.auth.adminToken);
    db = await new DataSource(dataSourceOptions(config.database.url)).initialize();
    events = new EventsRepository(db);
    deliveries = new DeliveriesRepository(db);
    slow = createServer((_request, response) => {
      setTimeout(() => response.end('ok'), DELIVERY_TIMEOUT_MS + 3000).unref();
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    slowUrl = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/hooks`;
    recorder = await TopicRecorder.start(config.kafka.brokers, 'herald.deliveries', ({ value }) => {
      const decoded = decodeDelivery(value);
      return decoded.ok ? decoded.value : undefined;
    });
    emitted = recorder.messages;
  });

  afterAll(async () => {
    await recorder.stop();
    slow.closeAllConnections();
    await new Promise<void>((resolve) => slow.close(() => resolve()));
    await db.destroy();
    await app.close();
  });

  /** Test deliveries go to the slow receiver; anything else to a closed port, failing fast. */
  async function subscribe(client: ApiClient, url = NOWHERE): Promise<string> {
    const created = await client.request<{ id: string }>('POST', '/v1/subscriptions', {
      event_types: ['meter.*'],
      destination: { type: 'webhook', url },
    });
    expect(created.status).toBe(201);
    return created.body.id;
  }

  async function tenantWithSubscription(name: string, url = NOWHERE) {
    const tenant = await operator.createTenant(name);
    return { ...tenant, subscriptionId: await subscribe(tenant.client, url) };
  }

  /** An event's delivery as the deliverer leaves it after one attempt ending in `status`. */
  async function seed(
    tenantId: string,
    subscriptionId: string,
    status: DeliveryStatus,
  ): Promise<Delivery> {
    const now = new Date().toISOString();
    const { event } = await events.store({
      id: newId('evt'),
      tenantId,
      type: 'meter.created',
      occurredAt: now,
      receivedAt: now,
      subject: null,
      changedFields: null,
      data: { meter_id: 'm-3' },
    });
    const [{ delivery }] = await deliveries.planForEvent(tenantId, event.id, event.type, [
      subscriptionId,
    ]);
    await deliveries.recordAttempt({
      deliveryId: delivery.id,
      tenantId,
      subscriptionId,
      attempt: 1,
      startedAt: new Date(),
      durationMs: 3,
      outcome: status === 'succeeded' ? 'succeeded' : 'failed',
      statusCode: status === 'succeeded' ? 200 : 500,
      errorClass: status === 'succeeded' ? null : 'retryable',
      errorMessage: status === 'succeeded' ? null : 'HTTP 500',
      responseExcerpt: null,
      status,
      nextAttemptAt: null,
    });
    return (await deliveries.get(tenantId, delivery.id))!;
  }

  describe('POST /v1/subscriptions/{id}/test', () => {
    it('stores a test event, sends it to this subscription only, and answers 200 with the first attempt', async () => {
      const { tenantId, client, subscriptionId } = await tenantWithSubscription(
        'test-200',
        slowUrl,
      );
      const bystander = await subscribe(client);
      const call = client.request<TestResult>('POST', `/v1/subscriptions/${subscriptionId}/test`, {
        event_type: 'meter.created',
        data: { meter_id: 'test-meter' },
      });
      // Stands in for the deliverer: records the attempt while the call waits for it.
      const [pending] = await waitFor('the test delivery', async () => {
        const rows: Delivery[] = (
          await deliveries.search(
            tenantId,
            { subscriptionId, statuses: ['pending'] },
            { after: null, limit: 10 },
          )
        ).data;
        return rows.length > 0 && rows;
      });
      await deliveries.recordAttempt({
        deliveryId: pending.id,
        tenantId,
        subscriptionId,
        attempt: 1,
        startedAt: new Date(),
        durationMs: 42,
        outcome: 'succeeded',
        statusCode: 204,
        errorClass: null,
        errorMessage: null,
        responseExcerpt: '',
        status: 'succeeded',
        nextAttemptAt: null,
      });
      const response = await call;
      expect(response.status).toBe(200);
      expect(response.body.delivery).toMatchObject({
        id: pending.id,
        subscription_id: subscriptionId,
        event_type: 'meter.created',
        origin: 'test',
        status: 'succeeded',
        attempts: 1,
      });
      expect(Number.isNaN(Date.parse(String(response.body.attempt?.started_at)))).toBe(false);
      expect(response.body.attempt).toEqual({
        attempt: 1,
        started_at: response.body.attempt?.started_at,
        duration_ms: 42,
        outcome: 'succeeded',
        status_code: 204,
        error_class: null,
        error_message: null,
        response_excerpt: '',
      });

      const event = await events.get(tenantId, pending.eventId);
      expect(event).toMatchObject({ type: 'meter.created', data: { meter_id: 'test-meter' } });
      const message = await waitFor('the test delivery on herald.deliveries', () =>
        emitted.find((m) => m.delivery_id === pending.id),
      );
      expect(message.body).toMatchObject({
        id: pending.eventId,
        type: 'meter.created',
        subscription_id: subscriptionId,
        data: { meter_id: 'test-meter' },
      });
      const toBystander = await client.request<Page<DeliveryItem>>(
        'GET',
        `/v1/deliveries?subscription_id=${bystander}`,
      );
      expect(toBystander.body.data).toEqual([]);
    });

    // Issue 13: test data was an object only (a list was refused with 422); it is any JSON value.
    it.each([
      ['a list', [{ meter_id: 'm-1' }, { meter_id: 'm-2' }]],
      ['a string', 'm-1'],
      ['a number', 12.5],
      ['a boolean', false],
    ])('sends data that is %s as it is given', async (_name, data) => {
      const { tenantId, client, subscriptionId } = await tenantWithSubscription('test-any-data');
      const call = client.request<TestResult>('POST', `/v1/subscriptions/${subscriptionId}/test`, {
        event_type: 'meter_data.received',
        data,
      });
      const message = await waitFor('the test delivery on herald.deliveries', () =>
        emitted.find((m) => m.tenant_id === tenantId),
      );
      expect(message.body).toMatchObject({ type: 'meter_data.received', data });
      expect(await events.get(tenantId, message.event_id)).toMatchObject({ data });
      expect([200, 202]).toContain((await call).status);
    });

    it('answers 202 with the delivery when no attempt is made within the delivery timeout plus 2 s', async () => {
      const { client, subscriptionId } = await tenantWithSubscription('test-202', slowUrl);
      const started = Date.now();
      const response = await client.request<TestResult>(
        'POST',
        `/v1/subscriptions/${subscriptionId}/test`,
      );
      const waited = Date.now() - started;
      expect(response.status).toBe(202);
      expect(response.body.attempt).toBeNull();
      expect(response.body.delivery).toMatchObject({
        subscription_id: subscriptionId,
        event_type: 'herald.test',
        origin: 'test',
        status: 'pending',
        attempts: 0,
      });
      expect(waited).toBeGreaterThanOrEqual(DELIVERY_TIMEOUT_MS + 2000 - 50);
      expect(waited).toBeLessThan(DELIVERY_TIMEOUT_MS + 2000 + 1500);
    });

    describe('without data: an example from the catalog', () => {
      const created = { meter_id: 'm-1', serial: 'S-100' };
      const replaced = { meter_id: 'm-2', serial: 'S-200' };

      /** Sends a test and gives what was stored and emitted to the deliverer for it. */
      async function sendTest(
        tenantId: string,
        client: ApiClient,
        subscriptionId: string,
        body?: object,
      ) {
        const response = await client.request<TestResult>(
          'POST',
          `/v1/subscriptions/${subscriptionId}/test`,
          body,
        );
        expect(response.status).toBe(202);
        const { delivery } = response.body;
        const event = await events.get(tenantId, delivery.event_id);
        const message = await waitFor('the test delivery on herald.deliveries', () =>
          emitted.find((m) => m.delivery_id === delivery.id),
        );
        expect(message.body).toMatchObject({ type: event?.type, data: event?.data });
        return { delivery, event };
      }

      it('sends the first example of the event type asked for; data given wins', async () => {
        const { tenantId, client, subscriptionId } = await tenantWithSubscription(
          'test-example',
          slowUrl,
        );
        await client.request('POST', '/v1/event-types', {
          name: 'meter.replaced',
          examples: [replaced, created],
        });
        const asked = await sendTest(tenantId, client, subscriptionId, {
          event_type: 'meter.replaced',
        });
        expect(asked.delivery.event_type).toBe('meter.replaced');
        expect(asked.event).toMatchObject({ type: 'meter.replaced', data: replaced });

        const given = await sendTest(tenantId, client, subscriptionId, {
          event_type: 'meter.replaced',
          data: { meter_id: 'mine' },
        });
        expect(given.event).toMatchObject({ type: 'meter.replaced', data: { meter_id: 'mine' } });
      });

      it('with no type either, takes the subscription’s first type with an example, a glob’s first match by name', async () => {
        const { tenantId, client } = await operator.createTenant('test-example-glob');
        const subscribed = await client.request<{ id: string }>('POST', '/v1/subscriptions', {
          event_types: ['user.*', 'meter.*', 'customer.created'],
          destination: { type: 'webhook', url: slowUrl },
        });
        await client.request('POST', '/v1/event-types', { name: 'user.created' });
        await client.request('POST', '/v1/event-types', {
          name: 'customer.created',
          examples: [{ customer_id: 'c-1' }],
        });
        await client.request('POST', '/v1/event-types', {
          name: 'meter.replaced',
          examples: [replaced],
        });
        await client.request('POST', '/v1/event-types', {
          name: 'meter.created',
          examples: [created, replaced],
        });
        await client.request('POST', '/v1/event-types', {
          name: 'meter.archived',
          examples: [{ meter_id: 'archived' }],
        });
        await client.request('DELETE', '/v1/event-types/meter.archived');

        const picked = await sendTest(tenantId, client, subscribed.body.id, {});
        expect(picked.delivery.event_type).toBe('meter.created');
        expect(picked.event).toMatchObject({ type: 'meter.created', data: created });
      });

      it('without an example keeps the type asked for, or herald.test, with empty data', async () => {
        const { tenantId, client, subscriptionId } = await tenantWithSubscription(
          'test-no-example',
          slowUrl,
        );
        await client.request('POST', '/v1/event-types', { name: 'meter.created' });
        const asked = await sendTest(tenantId, client, subscriptionId, {
          event_type: 'meter.created',
        });
        expect(asked.event).toMatchObject({ type: 'meter.created', data: {} });
        const plain = await sendTest(tenantId, client, subscriptionId);
        expect(plain.event).toMatchObject({ type: 'herald.test', data: {} });
      });
    });

    it.each([
      [
        'a bad event type',
        { event_type: 'not a type' },
        'event_type',
        'must be dot-separated words, e.g. meter_data.received',
      ],
      ['a number event type', { event_type: 5 }, 'event_type', 'must be a string'],
      ['an unknown field', { type: 'meter.created' }, 'type', 'is not a known field'],
    ])('refuses %s with 422 naming the field', async (_name, body, field, message) => {
      const { client, subscriptionId } = await tenantWithSubscription('test-validation');
      const response = await client.request<ErrorBody>(
        'POST',
        `/v1/subscriptions/${subscriptionId}/test`,
        body,
      );
      expect(response.status).toBe(422);
      expect(response.body.error.details).toContainEqual({ field, message });
      const history = await client.request<Page<DeliveryItem>>('GET', '/v1/deliveries');
      expect(history.body.data).toEqual([]);
    });

    it('answers 404 for an unknown subscription and for another tenant’s, sending nothing', async () => {
      const owner = await tenantWithSubscription('test-owner', slowUrl);
      const intruder = await operator.createTenant('test-intruder');
      const missing = await owner.client.request<ErrorBody>(
        'POST',
        '/v1/subscriptions/sub_missing/test',
        {},
      );
      expect(missing.status).toBe(404);
      const foreign = await intruder.client.request<ErrorBody>(
        'POST',
        `/v1/subscriptions/${owner.subscriptionId}/test`,
        {},
      );
      expect(foreign.status).toBe(404);
      expect(foreign.body.error.code).toBe('not_found');
      expect(JSON.stringify(foreign.body)).not.toContain(slowUrl);
      const ownerHistory = await owner.client.request<Page<DeliveryItem>>('GET', '/v1/deliveries');
      expect(ownerHistory.body.data).toEqual([]);
    });
  });

  describe('POST /v1/subscriptions/{id}/recover', () => {
    it('sends again every failed or dead delivery since the time, once', async () => {
      const { tenantId, client, subscriptionId } = await tenantWithSubscription('recover');
      const otherSubscription = await subscribe(client);
      await seed(tenantId, subscriptionId, 'dead');
      await pause(50);
      const since = new Date().toISOString();
      await pause(50);
      const failed = await seed(tenantId, subscriptionId, 'failed');
      const dead = await seed(tenantId, subscriptionId, 'dead');
      await seed(tenantId, subscriptionId, 'succeeded');
      await seed(tenantId, subscriptionId, 'retrying');
      await seed(tenantId, otherSubscription, 'dead');

      const response = await client.request<{ recovered: number }>(
        'POST',
        `/v1/subscriptions/${subscriptionId}/recover`,
        { since },
      );
      expect(response.status).toBe(202);
      expect(response.body).toEqual({ recovered: 2 });
      const retries = await client.request<Page<DeliveryItem>>(
        'GET',
        `/v1/deliveries?subscription_id=${subscriptionId}&status=pending`,
      );
      expect(retries.body.data.map((d) => [d.event_id, d.origin]).reverse()).toEqual([
        [failed.eventId, 'retry'],
        [dead.eventId, 'retry'],
      ]);
      for (const retry of retries.body.data) {
        await waitFor(`${retry.id} on herald.deliveries`, () =>
          emitted.find((m) => m.delivery_id === retry.id),
        );
      }

      const again = await client.request<{ recovered: number }>(
        'POST',
        `/v1/subscriptions/${subscriptionId}/recover`,
        { since },
      );
      expect(again.body).toEqual({ recovered: 0 });
    });

    it.each([
      ['since missing', {}, 'since', 'is required'],
      [
        'since not a time',
        { since: 'an hour ago' },
        'since',
        'must be an ISO 8601 time with a zone, e.g. 2024-05-02T12:00:00Z',
      ],
      [
        'since in the future',
        { since: new Date(Date.now() + 3_600_000).toISOString() },
        'since',
        'must not be in the future',
      ],
      [
        'an unknown field',
        { since: '2024-01-01T00:00:00Z', until: '2024-02-01T00:00:00Z' },
        'until',
        'is not a known field',
      ],
    ])('refuses %s with 422 naming the field', async (_name, body, field, message) => {
      const { client, subscriptionId } = await tenantWithSubscription('recover-validation');
      const response = await client.request<ErrorBody>(
        'POST',
        `/v1/subscriptions/${subscriptionId}/recover`,
        body,
      );
      expect(response.status).toBe(422);
      expect(response.body.error.code).toBe('validation_failed');
      expect(response.body.error.details).toContainEqual({ field, message });
    });

    it('answers 404 for an unknown subscription and for another tenant’s, recovering nothing', async () => {
      const owner = await tenantWithSubscription('recover-owner');
      const intruder = await operator.createTenant('recover-intruder');
      const dead = await seed(owner.tenantId, owner.subscriptionId, 'dead');
      const body = { since: '2020-01-01T00:00:00Z' };
      expect(
        (await owner.client.request('POST', '/v1/subscriptions/sub_missing/recover', body)).status,
      ).toBe(404);
      const foreign = await intruder.client.request<ErrorBody>(
        'POST',
        `/v1/subscriptions/${owner.subscriptionId}/recover`,
        body,
      );
      expect(foreign.status).toBe(404);
      const leaked = JSON.stringify(foreign.body);
      expect(leaked).not.toContain(dead.id);
      expect(leaked).not.toContain(NOWHERE);
      const original = await owner.client.request<{ redriven_at: string | null }>(
        'GET',
        `/v1/deliveries/${dead.id}`,
      );
      expect(original.body.redriven_at).toBeNull();
    });
  });
});
