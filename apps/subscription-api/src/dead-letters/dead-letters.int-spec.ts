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
type Page<T> = { data: T[]; next_cursor: string | null };
type DeliveryItem = {
  id: string;
  subscription_id: string;
  event_id: string;
  origin: string;
  status: string;
};
type DeadLetter = DeliveryItem & {
  attempts: { attempt: number; outcome: string; status_code: number | null }[];
  redriven_at: string | null;
};
type RedriveResult = { redriven: number; deliveries: DeliveryItem[]; has_more: boolean };

/** Nothing listens here, so a delivery another suite's deliverer picks up fails fast. */
const NOWHERE = 'http://127.0.0.1:9/hooks';
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('dead letters API: list and redrive', () => {
  let app: INestApplication;
  let operator: ApiClient;
  let db: DataSource;
  let events: EventsRepository;
  let deliveries: DeliveriesRepository;
  let recorder: TopicRecorder<DeliveryMessage>;
  let emitted: DeliveryMessage[] = [];

  beforeAll(async () => {
    const config = testConfig();
    app = await createService('subscription-api', SubscriptionApiModule.forRoot(config), config);
    const url = appUrl(app);
    operator = new ApiClient(url, config.auth.adminToken);
    db = await new DataSource(dataSourceOptions(config.database.url)).initialize();
    events = new EventsRepository(db);
    deliveries = new DeliveriesRepository(db);
    recorder = await TopicRecorder.start(config.kafka.brokers, 'herald.deliveries', ({ value }) => {
      const decoded = decodeDelivery(value);
      return decoded.ok ? decoded.value : undefined;
    });
    emitted = recorder.messages;
  });

  afterAll(async () => {
    await recorder.stop();
    await db.destroy();
    await app.close();
  });

  async function subscribe(client: ApiClient): Promise<string> {
    const created = await client.request<{ id: string }>('POST', '/v1/subscriptions', {
      event_types: ['*'],
      destination: { type: 'webhook', url: NOWHERE },
    });
    expect(created.status).toBe(201);
    return created.body.id;
  }

  async function tenantWithSubscription(name: string) {
    const tenant = await operator.createTenant(name);
    return { ...tenant, subscriptionId: await subscribe(tenant.client) };
  }

  /** An event's delivery that failed `attempts` times (as the deliverer records it) and ended `status`. */
  async function seed(
    tenantId: string,
    subscriptionId: string,
    status: DeliveryStatus = 'dead',
    attempts = 3,
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
      data: { meter_id: 'm-2' },
    });
    const [{ delivery }] = await deliveries.planForEvent(tenantId, event.id, event.type, [
      subscriptionId,
    ]);
    for (let attempt = 1; attempt <= attempts; attempt++) {
      await deliveries.recordAttempt({
        deliveryId: delivery.id,
        tenantId,
        subscriptionId,
        attempt,
        startedAt: new Date(),
        durationMs: 5,
        outcome: 'failed',
        statusCode: 503,
        errorClass: 'retryable',
        errorMessage: 'HTTP 503',
        responseExcerpt: 'down',
        status: attempt === attempts ? status : 'retrying',
        nextAttemptAt: null,
      });
    }
    return (await deliveries.get(tenantId, delivery.id))!;
  }

  describe('GET /v1/dead-letters', () => {
    it('lists only dead deliveries, newest first, each with its whole attempt history', async () => {
      const { tenantId, client, subscriptionId } = await tenantWithSubscription('dlq');
      const older = await seed(tenantId, subscriptionId, 'dead', 3);
      await seed(tenantId, subscriptionId, 'retrying', 1);
      await seed(tenantId, subscriptionId, 'succeeded', 0);
      const newer = await seed(tenantId, subscriptionId, 'dead', 2);

      const response = await client.request<Page<DeadLetter>>('GET', '/v1/dead-letters');
      expect(response.status).toBe(200);
      expect(response.body.data.map((d) => d.id)).toEqual([newer.id, older.id]);
      expect(response.body.data[1]).toMatchObject({
        id: older.id,
        subscription_id: subscriptionId,
        event_id: older.eventId,
        event_type: 'meter.created',
        origin: 'event',
        status: 'dead',
        redriven_at: null,
      });
      expect(response.body.data[1].attempts).toMatchObject([
        { attempt: 1, outcome: 'failed', status_code: 503 },
        { attempt: 2, outcome: 'failed', status_code: 503 },
        { attempt: 3, outcome: 'failed', status_code: 503 },
      ]);

      const page1 = await client.request<Page<DeadLetter>>('GET', '/v1/dead-letters?limit=1');
      expect(page1.body.data.map((d) => d.id)).toEqual([newer.id]);
      const page2 = await client.request<Page<DeadLetter>>(
        'GET',
        `/v1/dead-letters?limit=1&cursor=${page1.body.next_cursor}`,
      );
      expect(page2.body.data.map((d) => d.id)).toEqual([older.id]);
      expect(page2.body.next_cursor).toBeNull();
    });

    it('filters by subscription and creation time, and hides redriven ones unless asked', async () => {
      const { tenantId, client, subscriptionId } = await tenantWithSubscription('dlq-filters');
      const otherSubscription = await subscribe(client);
      const early = await seed(tenantId, subscriptionId);
      await pause(50);
      const since = new Date().toISOString();
      await pause(50);
      const late = await seed(tenantId, subscriptionId);
      const elsewhere = await seed(tenantId, otherSubscription);
      const ids = async (query: string) =>
        (await client.request<Page<DeadLetter>>('GET', `/v1/dead-letters?${query}`)).body.data.map(
          (d) => d.id,
        );

      expect(await ids(`subscription_id=${subscriptionId}`)).toEqual([late.id, early.id]);
      expect(await ids(`since=${encodeURIComponent(since)}`)).toEqual([elsewhere.id, late.id]);
      expect(await ids(`until=${encodeURIComponent(since)}`)).toEqual([early.id]);

      await client.request('POST', `/v1/deliveries/${early.id}/retry`);
      expect(await ids(`subscription_id=${subscriptionId}`)).toEqual([late.id]);
      expect(await ids(`subscription_id=${subscriptionId}&include_redriven=true`)).toEqual([
        late.id,
        early.id,
      ]);
    });

    it.each([
      [
        'since=last-week',
        'since',
        'must be an ISO 8601 time with a zone, e.g. 2024-05-02T12:00:00Z',
      ],
      [
        'since=2024-05-02T12:00:00Z&until=2024-05-02T12:00:00Z',
        'until',
        'must be later than since',
      ],
      ['include_redriven=yes', 'include_redriven', 'must be true or false'],
      ['limit=500', 'limit', 'must be an integer from 1 to 100'],
      ['status=dead', 'status', 'is not a known parameter'],
    ])('refuses %s with 422 naming %s', async (query, field, message) => {
      const { client } = await operator.createTenant('dlq-validation');
      const response = await client.request<ErrorBody>('GET', `/v1/dead-letters?${query}`);
      expect(response.status).toBe(422);
      expect(response.body.error.details).toContainEqual({ field, message });
    });

    it('shows a tenant none of another tenant’s dead letters', async () => {
      const owner = await tenantWithSubscription('dlq-owner');
      const intruder = await operator.createTenant('dlq-intruder');
      await seed(owner.tenantId, owner.subscriptionId);
      for (const query of ['', `?subscription_id=${owner.subscriptionId}`]) {
        const response = await intruder.client.request<Page<DeadLetter>>(
          'GET',
          `/v1/dead-letters${query}`,
        );
        expect(response.body.data).toEqual([]);
      }
    });
  });

  describe('POST /v1/dead-letters/redrive', () => {
    it('redrives a range once: each dead delivery goes out again as a new delivery', async () => {
      const { tenantId, client, subscriptionId } = await tenantWithSubscription('redrive');
      const otherSubscription = await subscribe(client);
      const first = await seed(tenantId, subscriptionId);
      const second = await seed(tenantId, subscriptionId);
      await seed(tenantId, subscriptionId, 'retrying', 1);
      const untouched = await seed(tenantId, otherSubscription);

      const response = await client.request<RedriveResult>('POST', '/v1/dead-letters/redrive', {
        subscription_id: subscriptionId,
      });
      expect(response.status).toBe(202);
      expect(response.body.redriven).toBe(2);
      expect(response.body.has_more).toBe(false);
      expect(
        response.body.deliveries.map((d) => [d.event_id, d.subscription_id, d.origin, d.status]),
      ).toEqual([
        [first.eventId, subscriptionId, 'retry', 'pending'],
        [second.eventId, subscriptionId, 'retry', 'pending'],
      ]);
      for (const created of response.body.deliveries) {
        await waitFor(`${created.id} on herald.deliveries`, () =>
          emitted.find((m) => m.delivery_id === created.id),
        );
      }

      const again = await client.request<RedriveResult>('POST', '/v1/dead-letters/redrive', {
        subscription_id: subscriptionId,
      });
      expect(again.body).toEqual({ redriven: 0, deliveries: [], has_more: false });

      const listed = await client.request<Page<DeadLetter>>(
        'GET',
        '/v1/dead-letters?include_redriven=true',
      );
      const byId = new Map(listed.body.data.map((d) => [d.id, d]));
      expect(byId.get(first.id)?.redriven_at).toEqual(expect.any(String));
      expect(byId.get(untouched.id)?.redriven_at).toBeNull();
    });

    // The cap itself (1000 a call) is this limit; a thousand real redrives would flood the deliverer
    // that e2e suites run against the same Kafka, so the claim is exercised with a small limit here.
    it('claims dead letters oldest first, at most the limit a call, and none twice even concurrently', async () => {
      const { tenantId, subscriptionId } = await tenantWithSubscription('redrive-claim');
      const seeded: Delivery[] = [];
      for (let i = 0; i < 3; i++) seeded.push(await seed(tenantId, subscriptionId));
      const range = { subscriptionId, statuses: ['dead' as const] };

      const first = await deliveries.claimForRedrive(tenantId, range, 2);
      expect(first.map((d) => d.id)).toEqual([seeded[0].id, seeded[1].id]);
      const second = await deliveries.claimForRedrive(tenantId, range, 2);
      expect(second.map((d) => d.id)).toEqual([seeded[2].id]);
      expect(await deliveries.claimForRedrive(tenantId, range, 2)).toEqual([]);

      const more: Delivery[] = [];
      for (let i = 0; i < 20; i++) more.push(await seed(tenantId, subscriptionId));
      const racing = await Promise.all(
        [1, 2, 3, 4].map(() => deliveries.claimForRedrive(tenantId, range, null)),
      );
      const claimed = racing.flat().map((d) => d.id);
      expect(claimed).toHaveLength(20);
      expect(new Set(claimed)).toEqual(new Set(more.map((d) => d.id)));

      await deliveries.releaseRedrive(tenantId, [seeded[0].id]);
      expect((await deliveries.claimForRedrive(tenantId, range, null)).map((d) => d.id)).toEqual([
        seeded[0].id,
      ]);
    });

    it('redrives by time range across subscriptions', async () => {
      const { tenantId, client, subscriptionId } = await tenantWithSubscription('redrive-range');
      const before = await seed(tenantId, subscriptionId);
      await pause(50);
      const since = new Date().toISOString();
      await pause(50);
      const after = await seed(tenantId, await subscribe(client));
      const response = await client.request<RedriveResult>('POST', '/v1/dead-letters/redrive', {
        since,
      });
      expect(response.body.deliveries.map((d) => d.event_id)).toEqual([after.eventId]);
      const untilResponse = await client.request<RedriveResult>(
        'POST',
        '/v1/dead-letters/redrive',
        { until: since },
      );
      expect(untilResponse.body.deliveries.map((d) => d.event_id)).toEqual([before.eventId]);
    });

    it('redrives explicit ids even when they were redriven before', async () => {
      const { tenantId, client, subscriptionId } = await tenantWithSubscription('redrive-ids');
      const dead = await seed(tenantId, subscriptionId);
      for (let round = 0; round < 2; round++) {
        const response = await client.request<RedriveResult>('POST', '/v1/dead-letters/redrive', {
          ids: [dead.id, dead.id],
        });
        expect(response.status).toBe(202);
        expect(response.body.redriven).toBe(1);
        expect(response.body.deliveries[0]).toMatchObject({
          event_id: dead.eventId,
          origin: 'retry',
        });
      }
      const history = await client.request<Page<DeliveryItem>>(
        'GET',
        `/v1/deliveries?event_id=${dead.eventId}`,
      );
      expect(history.body.data.map((d) => d.origin)).toEqual(['retry', 'retry', 'event']);
    });

    it('leaves dead deliveries of a deleted subscription alone, and refuses them by id', async () => {
      const { tenantId, client, subscriptionId } = await tenantWithSubscription('redrive-deleted');
      const dead = await seed(tenantId, subscriptionId);
      await client.request('DELETE', `/v1/subscriptions/${subscriptionId}`);
      const byRange = await client.request<RedriveResult>('POST', '/v1/dead-letters/redrive', {
        subscription_id: subscriptionId,
      });
      expect(byRange.body.redriven).toBe(0);
      const byId = await client.request<ErrorBody>('POST', '/v1/dead-letters/redrive', {
        ids: [dead.id],
      });
      expect(byId.status).toBe(422);
      expect(byId.body.error.details).toEqual([
        { field: 'ids[0]', message: 'belongs to a deleted subscription' },
      ]);
    });

    it.each([
      [
        'no selector',
        {},
        'ids',
        'is required unless subscription_id, since or until selects a range',
      ],
      [
        'ids with a range',
        { ids: ['dlv_x'], since: '2024-01-01T00:00:00Z' },
        'ids',
        'cannot be combined with subscription_id, since or until',
      ],
      ['empty ids', { ids: [] }, 'ids', 'must not be empty'],
      ['ids not strings', { ids: [1] }, 'ids', 'must be an array of strings'],
      [
        'a bad since',
        { since: 'yesterday' },
        'since',
        'must be an ISO 8601 time with a zone, e.g. 2024-05-02T12:00:00Z',
      ],
      [
        'until before since',
        { since: '2024-01-02T00:00:00Z', until: '2024-01-01T00:00:00Z' },
        'until',
        'must be later than since',
      ],
      ['a number subscription_id', { subscription_id: 7 }, 'subscription_id', 'must be a string'],
      [
        'an unknown field',
        { subscription_id: 'sub_x', everything: true },
        'everything',
        'is not a known field',
      ],
    ])('refuses %s with 422 naming the field', async (_name, body, field, message) => {
      const { client } = await operator.createTenant('redrive-validation');
      const response = await client.request<ErrorBody>('POST', '/v1/dead-letters/redrive', body);
      expect(response.status).toBe(422);
      expect(response.body.error.code).toBe('validation_failed');
      expect(response.body.error.details).toContainEqual({ field, message });
    });

    it('refuses ids that are not dead letters: unknown, not dead, or another tenant’s alike', async () => {
      const owner = await tenantWithSubscription('redrive-owner');
      const intruder = await tenantWithSubscription('redrive-intruder');
      const foreign = await seed(owner.tenantId, owner.subscriptionId);
      const alive = await seed(intruder.tenantId, intruder.subscriptionId, 'retrying', 1);
      const response = await intruder.client.request<ErrorBody>(
        'POST',
        '/v1/dead-letters/redrive',
        { ids: ['dlv_missing', alive.id, foreign.id] },
      );
      expect(response.status).toBe(422);
      expect(response.body.error.details).toEqual([
        { field: 'ids[0]', message: 'is not a dead letter' },
        { field: 'ids[1]', message: 'is not a dead letter' },
        { field: 'ids[2]', message: 'is not a dead letter' },
      ]);
      expect(JSON.stringify(response.body)).not.toContain(owner.subscriptionId);
      const ownerView = await owner.client.request<Page<DeadLetter>>('GET', '/v1/dead-letters');
      expect(ownerView.body.data.map((d) => [d.id, d.redriven_at])).toEqual([[foreign.id, null]]);

      const byForeignSubscription = await intruder.client.request<RedriveResult>(
        'POST',
        '/v1/dead-letters/redrive',
        { subscription_id: owner.subscriptionId },
      );
      expect(byForeignSubscription.body.redriven).toBe(0);
    });

    it('refuses malformed JSON with 400', async () => {
      const { client } = await operator.createTenant('redrive-json');
      const response = await client.request<ErrorBody>(
        'POST',
        '/v1/dead-letters/redrive',
        '{"ids": [',
      );
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('invalid_json');
    });
  });
});
