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
  webhook_id: string;
  subscription_id: string;
  event_id: string;
  event_type: string;
  origin: string;
  status: string;
  attempts: number;
  next_attempt_at: string | null;
  last_attempt_at: string | null;
  created_at: string;
  updated_at: string;
};
type AttemptItem = {
  attempt: number;
  started_at: string;
  duration_ms: number;
  outcome: string;
  status_code: number | null;
  error_class: string | null;
  error_message: string | null;
  response_excerpt: string | null;
};
type DeliveryDetail = Omit<DeliveryItem, 'attempts'> & {
  attempts: AttemptItem[];
  redriven_at: string | null;
};

/** Nothing listens here, so a delivery another suite's deliverer picks up fails fast. */
const NOWHERE = 'http://127.0.0.1:9/hooks';
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF rows). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && c === ',') {
      row.push(field);
      field = '';
    } else if (!quoted && c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else {
      field += c;
    }
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

describe('deliveries API: history, CSV export, attempts and retry', () => {
  let app: INestApplication;
  let url: string;
  let operator: ApiClient;
  let db: DataSource;
  let events: EventsRepository;
  let deliveries: DeliveriesRepository;
  let recorder: TopicRecorder<DeliveryMessage>;
  let emitted: DeliveryMessage[] = [];

  beforeAll(async () => {
    const config = testConfig();
    app = await createService('subscription-api', SubscriptionApiModule.forRoot(config), config);
    url = appUrl(app);
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

  async function tenantWithSubscription(name: string) {
    const tenant = await operator.createTenant(name);
    const created = await tenant.client.request<{ id: string }>('POST', '/v1/subscriptions', {
      event_types: ['*'],
      destination: { type: 'webhook', url: NOWHERE },
    });
    expect(created.status).toBe(201);
    return { ...tenant, subscriptionId: created.body.id };
  }

  /**
   * A stored event and its delivery, with failed attempts recorded by the real repository as the
   * deliverer records them; the last one leaves the delivery in `status`.
   */
  async function seed(
    tenantId: string,
    subscriptionId: string,
    options: {
      type?: string;
      status?: DeliveryStatus;
      errors?: { message: string; excerpt: string | null; statusCode: number | null }[];
    } = {},
  ): Promise<Delivery> {
    const type = options.type ?? 'meter.created';
    const now = new Date().toISOString();
    const { event } = await events.store({
      id: newId('evt'),
      tenantId,
      type,
      occurredAt: now,
      receivedAt: now,
      subject: null,
      changedFields: null,
      data: { meter_id: 'm-1' },
    });
    const [{ delivery }] = await deliveries.planForEvent(tenantId, event.id, type, [
      subscriptionId,
    ]);
    const errors = options.errors ?? [];
    for (const [index, error] of errors.entries()) {
      const last = index === errors.length - 1;
      const status: DeliveryStatus = last ? (options.status ?? 'retrying') : 'retrying';
      await deliveries.recordAttempt({
        deliveryId: delivery.id,
        tenantId,
        subscriptionId,
        attempt: index + 1,
        startedAt: new Date(Date.now() - (errors.length - index) * 1000),
        durationMs: 12 + index,
        outcome: 'failed',
        statusCode: error.statusCode,
        errorClass: 'retryable',
        errorMessage: error.message,
        responseExcerpt: error.excerpt,
        status,
        nextAttemptAt: status === 'retrying' ? new Date(Date.now() + 60_000) : null,
      });
    }
    return (await deliveries.get(tenantId, delivery.id))!;
  }

  describe('GET /v1/deliveries', () => {
    it('lists the tenant’s deliveries newest first, a page at a time', async () => {
      const { tenantId, client, subscriptionId } = await tenantWithSubscription('history');
      const first = await seed(tenantId, subscriptionId, { type: 'meter.created' });
      const second = await seed(tenantId, subscriptionId, { type: 'meter.updated' });
      const third = await seed(tenantId, subscriptionId, { type: 'meter.deleted' });

      const page1 = await client.request<Page<DeliveryItem>>('GET', '/v1/deliveries?limit=2');
      expect(page1.status).toBe(200);
      expect(page1.body.data.map((d) => d.id)).toEqual([third.id, second.id]);
      expect(page1.body.data[0]).toEqual({
        id: third.id,
        webhook_id: third.id,
        subscription_id: subscriptionId,
        event_id: third.eventId,
        event_type: 'meter.deleted',
        origin: 'event',
        status: 'pending',
        attempts: 0,
        next_attempt_at: null,
        last_attempt_at: null,
        created_at: third.createdAt,
        updated_at: third.updatedAt,
      });
      const page2 = await client.request<Page<DeliveryItem>>(
        'GET',
        `/v1/deliveries?limit=2&cursor=${page1.body.next_cursor}`,
      );
      expect(page2.body.data.map((d) => d.id)).toEqual([first.id]);
      expect(page2.body.next_cursor).toBeNull();
    });

    it('filters by subscription, event, status (one or several) and creation time', async () => {
      const { tenantId, client, subscriptionId } = await tenantWithSubscription('filters');
      const other = await client.request<{ id: string }>('POST', '/v1/subscriptions', {
        event_types: ['*'],
        destination: { type: 'webhook', url: NOWHERE },
      });
      const failing = [{ message: 'HTTP 500', excerpt: 'boom', statusCode: 500 }];
      const dead = await seed(tenantId, subscriptionId, { status: 'dead', errors: failing });
      await pause(50);
      const since = new Date().toISOString();
      await pause(50);
      const retrying = await seed(tenantId, subscriptionId, { errors: failing });
      const elsewhere = await seed(tenantId, other.body.id);

      const ids = async (query: string) =>
        (await client.request<Page<DeliveryItem>>('GET', `/v1/deliveries?${query}`)).body.data.map(
          (d) => d.id,
        );
      expect(await ids(`subscription_id=${subscriptionId}`)).toEqual([retrying.id, dead.id]);
      expect(await ids(`event_id=${elsewhere.eventId}`)).toEqual([elsewhere.id]);
      expect(await ids('status=dead')).toEqual([dead.id]);
      expect(await ids('status=dead,retrying')).toEqual([retrying.id, dead.id]);
      expect(await ids(`since=${encodeURIComponent(since)}`)).toEqual([elsewhere.id, retrying.id]);
      expect(await ids(`until=${encodeURIComponent(since)}`)).toEqual([dead.id]);
      expect(await ids(`status=pending&subscription_id=${other.body.id}`)).toEqual([elsewhere.id]);
    });

    it('finds deliveries by text in their ids, event type and last attempt, ignoring case', async () => {
      const { tenantId, client, subscriptionId } = await tenantWithSubscription('search');
      const byType = await seed(tenantId, subscriptionId, { type: 'hosted_consent.Revoked' });
      const byLastError = await seed(tenantId, subscriptionId, {
        status: 'dead',
        errors: [
          { message: 'connect ECONNREFUSED', excerpt: null, statusCode: null },
          { message: 'HTTP 503', excerpt: 'Upstream Maintenance window', statusCode: 503 },
        ],
      });
      const byOldError = await seed(tenantId, subscriptionId, {
        errors: [
          { message: 'TLS handshake failed', excerpt: null, statusCode: null },
          { message: 'HTTP 500', excerpt: 'ok now?', statusCode: 500 },
        ],
      });
      const search = async (q: string) =>
        (
          await client.request<Page<DeliveryItem>>(
            'GET',
            `/v1/deliveries?q=${encodeURIComponent(q)}`,
          )
        ).body.data.map((d) => d.id);

      expect(await search('CONSENT.rev')).toEqual([byType.id]);
      expect(await search('maintenance')).toEqual([byLastError.id]);
      expect(await search('http 503')).toEqual([byLastError.id]);
      expect(await search(byOldError.id.toUpperCase())).toEqual([byOldError.id]);
      expect(await search(byType.eventId.slice(4, 20))).toEqual([byType.id]);
      expect(await search('handshake')).toEqual([]);
      expect(await search('ECONNREFUSED')).toEqual([]);
      expect(await search('%')).toEqual([]);
      expect(await search('m_t')).toEqual([]);
      expect(await search('hosted_consent')).toEqual([byType.id]);
    });

    it.each([
      [
        'status=bogus',
        'status',
        'must be one or more of pending, succeeded, retrying, failed, dead, comma-separated',
      ],
      [
        'status=dead,nope',
        'status',
        'must be one or more of pending, succeeded, retrying, failed, dead, comma-separated',
      ],
      ['status=dead&status=failed', 'status', 'must be given once'],
      [
        'since=yesterday',
        'since',
        'must be an ISO 8601 time with a zone, e.g. 2024-05-02T12:00:00Z',
      ],
      [
        'until=2024-05-02T12:00:00',
        'until',
        'must be an ISO 8601 time with a zone, e.g. 2024-05-02T12:00:00Z',
      ],
      [
        'since=2024-05-02T12:00:00Z&until=2024-05-01T12:00:00Z',
        'until',
        'must be later than since',
      ],
      ['limit=0', 'limit', 'must be an integer from 1 to 100'],
      ['limit=101', 'limit', 'must be an integer from 1 to 100'],
      ['format=csv&limit=10001', 'limit', 'must be an integer from 1 to 10000'],
      ['cursor=not-a-cursor', 'cursor', 'is not a cursor this API returned'],
      ['format=xml', 'format', 'must be one of json, csv'],
      ['q=', 'q', 'must not be empty'],
      ['statuses=dead', 'statuses', 'is not a known parameter'],
    ])('refuses %s with 422 naming %s', async (query, field, message) => {
      const { client } = await operator.createTenant('validation');
      const response = await client.request<ErrorBody>('GET', `/v1/deliveries?${query}`);
      expect(response.status).toBe(422);
      expect(response.body.error.code).toBe('validation_failed');
      expect(response.body.error.details).toContainEqual({ field, message });
    });

    it('shows a tenant none of another tenant’s deliveries, whatever the filter', async () => {
      const owner = await tenantWithSubscription('owner');
      const intruder = await operator.createTenant('intruder');
      const delivery = await seed(owner.tenantId, owner.subscriptionId);
      for (const query of [
        '',
        `?subscription_id=${owner.subscriptionId}`,
        `?event_id=${delivery.eventId}`,
        `?q=${delivery.id}`,
        '?format=csv',
      ]) {
        const response = await fetch(`${url}/v1/deliveries${query}`, {
          headers: { authorization: `Bearer ${intruder.apiKey}` },
        });
        expect(response.status).toBe(200);
        expect(await response.text()).not.toContain(delivery.id);
      }
    });
  });

  describe('GET /v1/deliveries?format=csv', () => {
    it('exports the same filtered history as RFC 4180 CSV, in batches linked by a cursor', async () => {
      const { tenantId, apiKey, subscriptionId } = await tenantWithSubscription('csv');
      const seeded: Delivery[] = [];
      for (const type of ['a.one', 'a.two', 'a.three']) {
        seeded.push(await seed(tenantId, subscriptionId, { type }));
      }
      await seed(tenantId, subscriptionId, { type: 'b.other' });
      const get = (path: string) =>
        fetch(`${url}${path}`, { headers: { authorization: `Bearer ${apiKey}` } });

      const first = await get('/v1/deliveries?format=csv&q=a.&limit=2');
      expect(first.status).toBe(200);
      expect(first.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(first.headers.get('content-disposition')).toContain('attachment');
      const rows = parseCsv(await first.text());
      expect(rows[0]).toEqual([
        'id',
        'webhook_id',
        'subscription_id',
        'event_id',
        'event_type',
        'origin',
        'status',
        'attempts',
        'next_attempt_at',
        'last_attempt_at',
        'created_at',
        'updated_at',
      ]);
      expect(rows.slice(1)).toEqual([
        [
          seeded[2].id,
          seeded[2].id,
          subscriptionId,
          seeded[2].eventId,
          'a.three',
          'event',
          'pending',
          '0',
          '',
          '',
          seeded[2].createdAt,
          seeded[2].updatedAt,
        ],
        expect.arrayContaining([seeded[1].id, 'a.two']),
      ]);
      const cursor = first.headers.get('x-next-cursor');
      expect(cursor).toEqual(expect.any(String));
      const link = first.headers.get('link');
      expect(link).toMatch(/^<\/v1\/deliveries\?[^>]+>; rel="next"$/);

      const next = await get(link!.slice(1, link!.indexOf('>')));
      expect(next.status).toBe(200);
      expect(next.headers.get('x-next-cursor')).toBeNull();
      expect(next.headers.get('link')).toBeNull();
      const rest = parseCsv(await next.text());
      expect(rest.slice(1).map((row) => row[0])).toEqual([seeded[0].id]);
    });

    it('answers only the header row when nothing matches', async () => {
      const { apiKey } = await operator.createTenant('csv-empty');
      const response = await fetch(`${url}/v1/deliveries?format=csv`, {
        headers: { authorization: `Bearer ${apiKey}` },
      });
      expect(parseCsv(await response.text())).toHaveLength(1);
      expect(response.headers.get('x-next-cursor')).toBeNull();
    });
  });

  describe('GET /v1/deliveries/{id}', () => {
    it('shows the delivery with every attempt and its next attempt', async () => {
      const { tenantId, client, subscriptionId } = await tenantWithSubscription('detail');
      const delivery = await seed(tenantId, subscriptionId, {
        errors: [
          { message: 'connect ECONNREFUSED 127.0.0.1:9', excerpt: null, statusCode: null },
          { message: 'HTTP 500', excerpt: 'boom', statusCode: 500 },
        ],
      });
      const response = await client.request<DeliveryDetail>('GET', `/v1/deliveries/${delivery.id}`);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        id: delivery.id,
        subscription_id: subscriptionId,
        event_id: delivery.eventId,
        status: 'retrying',
        next_attempt_at: delivery.nextAttemptAt,
        last_attempt_at: delivery.lastAttemptAt,
        redriven_at: null,
      });
      expect(response.body.next_attempt_at).toEqual(expect.any(String));
      expect(Date.parse(response.body.attempts[0].started_at)).toBeLessThan(
        Date.parse(response.body.attempts[1].started_at),
      );
      expect(response.body.attempts).toEqual([
        {
          attempt: 1,
          started_at: response.body.attempts[0].started_at,
          duration_ms: 12,
          outcome: 'failed',
          status_code: null,
          error_class: 'retryable',
          error_message: 'connect ECONNREFUSED 127.0.0.1:9',
          response_excerpt: null,
        },
        {
          attempt: 2,
          started_at: delivery.lastAttemptAt,
          duration_ms: 13,
          outcome: 'failed',
          status_code: 500,
          error_class: 'retryable',
          error_message: 'HTTP 500',
          response_excerpt: 'boom',
        },
      ]);
    });

    it('answers 404 for an unknown delivery, and for another tenant’s, leaking nothing', async () => {
      const owner = await tenantWithSubscription('detail-owner');
      const intruder = await operator.createTenant('detail-intruder');
      const delivery = await seed(owner.tenantId, owner.subscriptionId, {
        errors: [{ message: 'HTTP 500', excerpt: 'secret-ish body', statusCode: 500 }],
      });
      const missing = await owner.client.request<ErrorBody>('GET', '/v1/deliveries/dlv_missing');
      expect(missing.status).toBe(404);
      expect(missing.body.error.code).toBe('not_found');
      const foreign = await intruder.client.request<ErrorBody>(
        'GET',
        `/v1/deliveries/${delivery.id}`,
      );
      expect(foreign.status).toBe(404);
      expect(foreign.body.error.code).toBe('not_found');
      const leaked = JSON.stringify(foreign.body);
      expect(leaked).not.toContain(owner.subscriptionId);
      expect(leaked).not.toContain(delivery.eventId);
      expect(leaked).not.toContain('secret-ish');
    });
  });

  describe('POST /v1/deliveries/{id}/retry', () => {
    it('sends the event to the subscription again now, as a new delivery, and marks a dead one redriven', async () => {
      const { tenantId, client, subscriptionId } = await tenantWithSubscription('retry');
      const dead = await seed(tenantId, subscriptionId, {
        status: 'dead',
        errors: [{ message: 'HTTP 500', excerpt: null, statusCode: 500 }],
      });
      const response = await client.request<DeliveryItem>(
        'POST',
        `/v1/deliveries/${dead.id}/retry`,
      );
      expect(response.status).toBe(202);
      expect(response.body).toMatchObject({
        subscription_id: subscriptionId,
        event_id: dead.eventId,
        event_type: 'meter.created',
        origin: 'retry',
        status: 'pending',
        attempts: 0,
      });
      expect(response.body.id).not.toBe(dead.id);
      // The same message sent again: receivers see the original's webhook-id.
      expect(response.body.webhook_id).toBe(dead.id);

      const message = await waitFor('the retry on herald.deliveries', () =>
        emitted.find((m) => m.delivery_id === response.body.id),
      );
      expect(message).toMatchObject({
        message_id: dead.id,
        tenant_id: tenantId,
        subscription_id: subscriptionId,
        event_id: dead.eventId,
        attempt: 0,
        body: {
          id: dead.eventId,
          type: 'meter.created',
          delivery_id: response.body.id,
          subscription_id: subscriptionId,
          data: { meter_id: 'm-1' },
        },
      });
      const original = await client.request<DeliveryDetail>('GET', `/v1/deliveries/${dead.id}`);
      expect(original.body.status).toBe('dead');
      expect(original.body.redriven_at).toEqual(expect.any(String));
      const listed = await client.request<Page<DeliveryItem>>(
        'GET',
        `/v1/deliveries?event_id=${dead.eventId}`,
      );
      expect(listed.body.data.map((d) => [d.id, d.origin])).toEqual([
        [response.body.id, 'retry'],
        [dead.id, 'event'],
      ]);
    });

    it('answers 404 for an unknown delivery and for another tenant’s, sending nothing', async () => {
      const owner = await tenantWithSubscription('retry-owner');
      const intruder = await operator.createTenant('retry-intruder');
      const delivery = await seed(owner.tenantId, owner.subscriptionId);
      expect(
        (await owner.client.request<ErrorBody>('POST', '/v1/deliveries/dlv_missing/retry')).status,
      ).toBe(404);
      const foreign = await intruder.client.request<ErrorBody>(
        'POST',
        `/v1/deliveries/${delivery.id}/retry`,
      );
      expect(foreign.status).toBe(404);
      expect(JSON.stringify(foreign.body)).not.toContain(owner.subscriptionId);
      const history = await owner.client.request<Page<DeliveryItem>>(
        'GET',
        `/v1/deliveries?event_id=${delivery.eventId}`,
      );
      expect(history.body.data).toHaveLength(1);
    });

    it('answers 409 when the delivery’s subscription was deleted', async () => {
      const { tenantId, client, subscriptionId } = await tenantWithSubscription('retry-deleted');
      const delivery = await seed(tenantId, subscriptionId);
      expect((await client.request('DELETE', `/v1/subscriptions/${subscriptionId}`)).status).toBe(
        204,
      );
      const response = await client.request<ErrorBody>(
        'POST',
        `/v1/deliveries/${delivery.id}/retry`,
      );
      expect(response.status).toBe(409);
      expect(response.body.error.code).toBe('conflict');
    });
  });
});
