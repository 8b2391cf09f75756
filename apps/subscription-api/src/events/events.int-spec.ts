import type { INestApplication } from '@nestjs/common';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { DataSource } from 'typeorm';
import type { HeraldConfig } from '@herald/config';
import { decodeDelivery, type DeliveryMessage } from '@herald/contracts';
import {
  matchesEventType,
  newId,
  parseInboundEvent,
  type EventData,
  type JsonObject,
} from '@herald/domain';
import { dataSourceOptions, DeliveriesRepository, EventsRepository } from '@herald/persistence';
import { createService } from '@herald/runtime';
import { ApiClient, testConfig, waitFor, appUrl } from '@herald/testing';
import { SubscriptionApiModule } from '../subscription-api.module';

type ErrorBody = {
  error: { code: string; message: string; details: { field: string; message: string }[] };
};
type Page<T> = { data: T[]; next_cursor: string | null };
type EventSummary = {
  id: string;
  type: string;
  occurred_at: string;
  received_at: string;
  subject: string | null;
  changed_fields: string[] | null;
};
type EventDelivery = {
  id: string;
  subscription_id: string;
  origin: string;
  status: string;
  attempts: number;
  next_attempt_at: string | null;
  last_attempt_at: string | null;
  created_at: string;
};

const MAX_EVENT_BYTES = 4096;
/** Nothing listens here, so deliveries that another suite's deliverer picks up fail fast. */
const NOWHERE = 'http://127.0.0.1:9/hooks';

describe('events API: HTTP ingest, history and replay', () => {
  let app: INestApplication;
  let config: HeraldConfig;
  let url: string;
  let operator: ApiClient;
  let db: DataSource;
  let events: EventsRepository;
  let deliveries: DeliveriesRepository;
  let consumer: Consumer;
  const inbound: { key: string | null; value: string }[] = [];
  const emitted: DeliveryMessage[] = [];

  beforeAll(async () => {
    config = testConfig({ HERALD_MAX_EVENT_BYTES: String(MAX_EVENT_BYTES) });
    app = await createService('subscription-api', SubscriptionApiModule.forRoot(config), config);
    url = appUrl(app);
    operator = new ApiClient(url, config.auth.adminToken);
    db = await new DataSource(dataSourceOptions(config.database.url)).initialize();
    events = new EventsRepository(db);
    deliveries = new DeliveriesRepository(db);
    const kafka = new Kafka({ brokers: config.kafka.brokers, logLevel: logLevel.NOTHING });
    consumer = kafka.consumer({ groupId: `events-int-spec-${newId('evt')}` });
    await consumer.connect();
    await consumer.subscribe({
      topics: ['herald.events.inbound', 'herald.deliveries'],
      fromBeginning: true,
    });
    await consumer.run({
      eachMessage: ({ topic, message }) => {
        if (topic === 'herald.events.inbound') {
          inbound.push({ key: message.key?.toString() ?? null, value: String(message.value) });
        } else {
          const decoded = decodeDelivery(message.value);
          if (decoded.ok) emitted.push(decoded.value);
        }
        return Promise.resolve();
      },
    });
  });

  afterAll(async () => {
    await consumer.disconnect();
    await db.destroy();
    await app.close();
  });

  /** A raw POST, for headers and bodies ApiClient does not send. */
  async function postEvent(
    apiKey: string,
    body: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: Record<string, unknown> & ErrorBody }> {
    const response = await fetch(`${url}/v1/events`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${apiKey}`,
        'content-type': 'application/json',
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return {
      status: response.status,
      body: (await response.json()) as Record<string, unknown> & ErrorBody,
    };
  }

  /** The messages produced to herald.events.inbound for a tenant, once `count` have arrived. */
  function inboundFor(tenantId: string, count: number) {
    return waitFor(`${count} inbound messages for ${tenantId}`, () => {
      const found = inbound
        .filter((message) => message.key === tenantId)
        .map((message) => JSON.parse(message.value) as JsonObject);
      return found.length >= count && found;
    });
  }

  /** Stores an event as event-ingest would, with a chosen received time. */
  async function storeEvent(
    tenantId: string,
    fields: { id?: string; type?: string; receivedAt?: string; data?: EventData } = {},
  ): Promise<string> {
    const receivedAt = fields.receivedAt ?? new Date().toISOString();
    const stored = await events.store({
      id: fields.id ?? newId('evt'),
      tenantId,
      type: fields.type ?? 'meter_data.received',
      occurredAt: '2024-05-02T12:31:26.257Z',
      receivedAt,
      subject: 'node/42/source/inv-1',
      changedFields: ['meter.reading'],
      data: fields.data ?? { meter_id: 'm-1', kwh: 12.5 },
    });
    return stored.event.id;
  }

  async function subscribe(
    client: ApiClient,
    eventTypes: string[],
    extra: Record<string, unknown> = {},
  ): Promise<string> {
    const created = await client.request<{ id: string }>('POST', '/v1/subscriptions', {
      event_types: eventTypes,
      destination: { type: 'webhook', url: NOWHERE },
      ...extra,
    });
    expect(created.status).toBe(201);
    return created.body.id;
  }

  describe('POST /v1/events', () => {
    it('answers 202, fills in the id and tenant, and produces the envelope to herald.events.inbound keyed by tenant', async () => {
      const { tenantId, apiKey } = await operator.createTenant('http-ingest');
      const response = await postEvent(apiKey, {
        type: 'meter_data.received',
        occurred_at: '2024-05-02T14:31:26.257+02:00',
        subject: 'node/42/source/inv-1',
        changed_fields: ['meter.reading'],
        data: { meter_id: 'm-1', kwh: 12.5 },
      });
      expect(response.status).toBe(202);
      expect(response.body.status).toBe('accepted');
      expect(response.body.id).toMatch(/^evt_/);
      expect(Object.keys(response.body).sort()).toEqual(['id', 'status']);

      const [message] = await inboundFor(tenantId, 1);
      expect(message).toEqual({
        id: response.body.id,
        tenant_id: tenantId,
        type: 'meter_data.received',
        occurred_at: '2024-05-02T12:31:26.257Z',
        subject: 'node/42/source/inv-1',
        changed_fields: ['meter.reading'],
        data: { meter_id: 'm-1', kwh: 12.5 },
      });
      // What event-ingest will parse, with the same validator and limit.
      expect(parseInboundEvent(JSON.stringify(message), MAX_EVENT_BYTES).ok).toBe(true);
    });

    it('takes the id from the envelope, else from the Idempotency-Key header, and accepts the caller’s own tenant_id', async () => {
      const { tenantId, apiKey } = await operator.createTenant('ids');
      const own = await postEvent(
        apiKey,
        { id: 'order-1', tenant_id: tenantId, type: 'order.created', data: {} },
        { 'Idempotency-Key': 'ignored-key' },
      );
      const keyed = await postEvent(
        apiKey,
        { type: 'order.created', data: {} },
        { 'Idempotency-Key': 'order-2' },
      );
      expect([own.status, own.body]).toEqual([202, { id: 'order-1', status: 'accepted' }]);
      expect([keyed.status, keyed.body]).toEqual([202, { id: 'order-2', status: 'accepted' }]);
      const messages = await inboundFor(tenantId, 2);
      expect(messages.map((message) => message.id)).toEqual(['order-1', 'order-2']);
    });

    // Issue 13: data was an object only; it is any JSON value but null.
    it('accepts data that is a list, a string, a number or a boolean, and produces it as sent', async () => {
      const { tenantId, apiKey } = await operator.createTenant('any-data');
      const payloads: EventData[] = [
        [{ meter_id: 'm-1', start_interval: '2024-05-02T12:00:00Z' }, { meter_id: 'm-2' }],
        [],
        'm-1',
        12.5,
        false,
      ];
      const ids: string[] = [];
      for (const data of payloads) {
        const response = await postEvent(apiKey, { type: 'meter_data.received', data });
        expect([response.status, response.body.status]).toEqual([202, 'accepted']);
        ids.push(response.body.id as string);
      }
      const messages = await inboundFor(tenantId, payloads.length);
      expect(messages.map((message) => [message.id, message.data])).toEqual(
        payloads.map((data, index) => [ids[index], data]),
      );
      for (const message of messages) {
        expect(parseInboundEvent(JSON.stringify(message), MAX_EVENT_BYTES).ok).toBe(true);
      }
    });

    it('refuses another tenant’s tenant_id with 422 naming tenant_id, and produces nothing', async () => {
      const caller = await operator.createTenant('caller');
      const other = await operator.createTenant('other');
      const response = await postEvent(caller.apiKey, {
        tenant_id: other.tenantId,
        type: 'order.created',
        data: { marker: 'refused' },
      });
      expect(response.status).toBe(422);
      expect(response.body.error.code).toBe('validation_failed');
      expect(response.body.error.details).toEqual([
        { field: 'tenant_id', message: 'must be the tenant of the API key, or be left out' },
      ]);
      // Same key, same partition: once the next event is there, the refused one would be too.
      await postEvent(caller.apiKey, { type: 'order.created', data: { marker: 'accepted' } });
      const messages = await inboundFor(caller.tenantId, 1);
      expect(messages.map((message) => message.data)).toEqual([{ marker: 'accepted' }]);
      expect(inbound.some((message) => message.value.includes(other.tenantId))).toBe(false);
    });

    it.each([
      ['type missing', { data: {} }, {}, 'type', 'is required'],
      [
        'a bad type',
        { type: 'meter data', data: {} },
        {},
        'type',
        'must be dot-separated words, e.g. meter_data.received',
      ],
      ['data missing', { type: 'a.b' }, {}, 'data', 'is required'],
      // Issue 13: data that is not an object is accepted now (below); null is refused as missing.
      [
        'data null',
        { type: 'a.b', data: null },
        {},
        'data',
        'is required: null is not a payload (send {} or [] for an event without one)',
      ],
      [
        'a bad occurred_at',
        { type: 'a.b', occurred_at: '2024-05-02 12:00', data: {} },
        {},
        'occurred_at',
        'must be an ISO 8601 time with a zone',
      ],
      [
        'a bad id',
        { id: 'has space', type: 'a.b', data: {} },
        {},
        'id',
        'must be 1-200 characters of letters, digits, _ . : -',
      ],
      [
        'changed_fields not strings',
        { type: 'a.b', changed_fields: [1], data: {} },
        {},
        'changed_fields',
        'must be an array of strings',
      ],
      ['a body that is not an object', [1, 2], {}, 'body', 'must be a JSON object'],
      [
        'a bad Idempotency-Key',
        { type: 'a.b', data: {} },
        { 'Idempotency-Key': 'no spaces please' },
        'Idempotency-Key',
        'must be 1-200 characters of letters, digits, _ . : -',
      ],
    ])('refuses %s with 422 naming the field', async (_name, body, headers, field, message) => {
      const { apiKey } = await operator.createTenant('validation');
      const response = await postEvent(apiKey, body, headers);
      expect(response.status).toBe(422);
      expect(response.body.error.code).toBe('validation_failed');
      expect(response.body.error.details).toEqual([{ field, message }]);
    });

    it('refuses malformed JSON with 400 invalid_json', async () => {
      const { apiKey } = await operator.createTenant('malformed');
      const response = await postEvent(apiKey, '{"type": "a.b", ');
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('invalid_json');
    });

    it('refuses an event larger than HERALD_MAX_EVENT_BYTES with 413 payload_too_large', async () => {
      const { apiKey } = await operator.createTenant('too-large');
      const event = (size: number) => ({ type: 'a.b', data: { blob: 'x'.repeat(size) } });

      const justOver = await postEvent(apiKey, event(MAX_EVENT_BYTES));
      expect(justOver.status).toBe(413);
      expect(justOver.body.error.code).toBe('payload_too_large');
      expect(justOver.body.error.message).toContain(`limit of ${MAX_EVENT_BYTES} bytes`);

      // Sent chunked, without a Content-Length: the envelope as produced is measured.
      const chunked = await fetch(`${url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: new Blob([JSON.stringify(event(MAX_EVENT_BYTES))]).stream(),
        duplex: 'half',
      });
      expect(chunked.status).toBe(413);
      expect(((await chunked.json()) as ErrorBody).error.code).toBe('payload_too_large');

      const fits = await postEvent(apiKey, event(MAX_EVENT_BYTES - 200));
      expect(fits.status).toBe(202);
    });

    it('refuses a body beyond the JSON parser’s limit with 413 payload_too_large too', async () => {
      const { apiKey } = await operator.createTenant('far-too-large');
      const response = await postEvent(apiKey, {
        type: 'a.b',
        data: { blob: 'x'.repeat(MAX_EVENT_BYTES * 20) },
      });
      expect(response.status).toBe(413);
      expect(response.body.error.code).toBe('payload_too_large');
    });

    it('is a tenant route: the operator token gets 403', async () => {
      const response = await operator.request<ErrorBody>('POST', '/v1/events', {
        type: 'a.b',
        data: {},
      });
      expect(response.status).toBe(403);
    });
  });

  describe('GET /v1/events', () => {
    it('lists the tenant’s events newest received first, without data, a page at a time', async () => {
      const { tenantId, client } = await operator.createTenant('history');
      const other = await operator.createTenant('history-other');
      await storeEvent(other.tenantId, { id: 'theirs', receivedAt: '2024-06-01T00:00:00.000Z' });
      await storeEvent(tenantId, { id: 'first', receivedAt: '2024-06-01T10:00:00.000Z' });
      await storeEvent(tenantId, { id: 'tie-a', receivedAt: '2024-06-01T11:00:00.000Z' });
      await storeEvent(tenantId, { id: 'tie-b', receivedAt: '2024-06-01T11:00:00.000Z' });
      await storeEvent(tenantId, { id: 'last', receivedAt: '2024-06-01T12:00:00.000Z' });

      const first = await client.request<Page<EventSummary>>('GET', '/v1/events?limit=3');
      expect(first.status).toBe(200);
      expect(first.body.data.map((event) => event.id)).toEqual(['last', 'tie-b', 'tie-a']);
      expect(first.body.data[0]).toEqual({
        id: 'last',
        type: 'meter_data.received',
        occurred_at: '2024-05-02T12:31:26.257Z',
        received_at: '2024-06-01T12:00:00.000Z',
        subject: 'node/42/source/inv-1',
        changed_fields: ['meter.reading'],
      });
      const second = await client.request<Page<EventSummary>>(
        'GET',
        `/v1/events?limit=3&cursor=${first.body.next_cursor}`,
      );
      expect(second.body).toEqual({
        data: [expect.objectContaining({ id: 'first' })],
        next_cursor: null,
      });
    });

    it('filters by type, exactly or with the globs subscriptions use', async () => {
      const { tenantId, client } = await operator.createTenant('types');
      const types = [
        'meter_data.received',
        'meter_data.deleted',
        'meter_data.received.late',
        'meter.created',
        'meterXdata.received',
        'user.created',
        'hosted_consent.approved',
        'a-b/c.created',
      ];
      for (const type of types) await storeEvent(tenantId, { type });
      const globs = [
        'meter_data.received',
        'meter_data.*',
        'meter_data.**',
        '**.received',
        '*.received',
        '*.created',
        '**.created',
        'a-b/c.*',
        '*',
        '**',
        'user.created.x',
      ];
      for (const glob of globs) {
        const response = await client.request<Page<EventSummary>>(
          'GET',
          `/v1/events?limit=100&type=${encodeURIComponent(glob)}`,
        );
        expect({ glob, types: response.body.data.map((event) => event.type).sort() }).toEqual({
          glob,
          types: types.filter((type) => matchesEventType(glob, type)).sort(),
        });
      }
    });

    it('filters by received time: since inclusive, until exclusive', async () => {
      const { tenantId, client } = await operator.createTenant('times');
      for (const hour of ['09', '10', '11', '12']) {
        await storeEvent(tenantId, { id: `at-${hour}`, receivedAt: `2024-06-01T${hour}:00:00Z` });
      }
      const response = await client.request<Page<EventSummary>>(
        'GET',
        '/v1/events?since=2024-06-01T10:00:00Z&until=2024-06-01T14:00:00%2B02:00',
      );
      expect(response.body.data.map((event) => event.id)).toEqual(['at-11', 'at-10']);
    });

    it.each([
      ['a bad type glob', 'type=meter%20data', 'type'],
      ['a type given twice', 'type=a.b&type=c.d', 'type'],
      ['a since that is not a time', 'since=yesterday', 'since'],
      ['an until without a time of day', 'until=2024-06-01', 'until'],
      ['an until before since', 'since=2024-06-02T00:00:00Z&until=2024-06-01T00:00:00Z', 'until'],
      ['a cursor this API did not return', 'cursor=bm9wZQ', 'cursor'],
      ['a limit out of range', 'limit=0', 'limit'],
      ['an unknown parameter', 'types=a.b', 'types'],
    ])('refuses %s with 422 naming the parameter', async (_name, query, field) => {
      const { client } = await operator.createTenant('list-validation');
      const response = await client.request<ErrorBody>('GET', `/v1/events?${query}`);
      expect(response.status).toBe(422);
      expect(response.body.error.code).toBe('validation_failed');
      expect(response.body.error.details.map((detail) => detail.field)).toEqual([field]);
    });
  });

  describe('GET /v1/events/{id}', () => {
    it('returns the event with its data and every delivery of it', async () => {
      const { tenantId, client } = await operator.createTenant('event-detail');
      const subscriptionId = await subscribe(client, ['meter_data.*']);
      const eventId = await storeEvent(tenantId, {
        receivedAt: '2024-06-01T10:00:00.000Z',
        data: { meter_id: 'm-7' },
      });
      const [first] = await deliveries.planForEvent(tenantId, eventId, 'meter_data.received', [
        subscriptionId,
      ]);
      const replay = await client.request<{ deliveries: EventDelivery[] }>(
        'POST',
        `/v1/events/${eventId}/replay`,
      );

      const response = await client.request<EventSummary & { data: unknown; deliveries: [] }>(
        'GET',
        `/v1/events/${eventId}`,
      );
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        id: eventId,
        type: 'meter_data.received',
        occurred_at: '2024-05-02T12:31:26.257Z',
        received_at: '2024-06-01T10:00:00.000Z',
        subject: 'node/42/source/inv-1',
        changed_fields: ['meter.reading'],
        data: { meter_id: 'm-7' },
        failure: null,
        deliveries: [
          {
            id: first.delivery.id,
            webhook_id: first.delivery.id,
            subscription_id: subscriptionId,
            origin: 'event',
            status: 'pending',
            attempts: 0,
            next_attempt_at: null,
            last_attempt_at: null,
            created_at: first.delivery.createdAt,
          },
          expect.objectContaining({
            id: replay.body.deliveries[0].id,
            // A replay is a new message: its own webhook-id.
            webhook_id: replay.body.deliveries[0].id,
            subscription_id: subscriptionId,
            origin: 'replay',
          }),
        ],
      });
    });

    it('returns data that is a list or a scalar as it was stored', async () => {
      const { tenantId, client } = await operator.createTenant('event-any-data');
      const payloads: EventData[] = [
        [{ meter_id: 'm-1', end_interval: '2024-05-02T12:30:00Z' }, { meter_id: 'm-2' }],
        ['a', 1, null, true],
        'm-1',
        0,
        true,
      ];
      for (const data of payloads) {
        const eventId = await storeEvent(tenantId, { data });
        const response = await client.request<{ data: unknown }>('GET', `/v1/events/${eventId}`);
        expect([response.status, response.body.data]).toEqual([200, data]);
      }
    });

    it('answers 404 for an unknown event, and for another tenant’s event without leaking it', async () => {
      const owner = await operator.createTenant('event-owner');
      const intruder = await operator.createTenant('event-intruder');
      const eventId = await storeEvent(owner.tenantId, {
        type: 'secret_type.created',
        data: { marker: 'owner-only' },
      });

      const unknown = await owner.client.request<ErrorBody>('GET', '/v1/events/evt_missing');
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.code).toBe('not_found');

      const response = await intruder.client.request<ErrorBody>('GET', `/v1/events/${eventId}`);
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('not_found');
      expect(JSON.stringify(response.body)).not.toMatch(/owner-only|secret_type/);
      const list = await intruder.client.request<Page<EventSummary>>('GET', '/v1/events');
      expect(list.body.data).toEqual([]);
    });
  });

  describe('POST /v1/events/{id}/replay', () => {
    it('replays to every subscription that matches the event now, as new deliveries on herald.deliveries', async () => {
      const { tenantId, client } = await operator.createTenant('replay-all');
      const typed = await subscribe(client, ['meter_data.*']);
      const everything = await subscribe(client, ['*']);
      await subscribe(client, ['user.*']);
      await subscribe(client, ['*'], { enabled: false });
      const eventId = await storeEvent(tenantId, { data: { meter_id: 'm-3' } });

      const response = await client.request<{ deliveries: EventDelivery[] }>(
        'POST',
        `/v1/events/${eventId}/replay`,
        {},
      );
      expect(response.status).toBe(202);
      expect(response.body.deliveries.map((d) => d.subscription_id).sort()).toEqual(
        [typed, everything].sort(),
      );
      for (const delivery of response.body.deliveries) {
        expect(delivery.id).toMatch(/^dlv_/);
        expect(delivery.origin).toBe('replay');
      }

      const messages = await waitFor('the replayed deliveries on herald.deliveries', () => {
        const found = emitted.filter((message) => message.tenant_id === tenantId);
        return found.length >= 2 && found;
      });
      expect(messages.map((message) => message.delivery_id).sort()).toEqual(
        response.body.deliveries.map((delivery) => delivery.id).sort(),
      );
      for (const message of messages) {
        expect(message).toMatchObject({
          event_id: eventId,
          event_type: 'meter_data.received',
          attempt: 0,
          body: {
            id: eventId,
            type: 'meter_data.received',
            subscription_id: message.subscription_id,
            delivery_id: message.delivery_id,
            data: { meter_id: 'm-3' },
          },
        });
      }
    });

    it('replays only to the subscriptions named, whatever their event types', async () => {
      const { tenantId, client } = await operator.createTenant('replay-named');
      await subscribe(client, ['meter_data.*']);
      const named = await subscribe(client, ['user.*']);
      const eventId = await storeEvent(tenantId);
      const response = await client.request<{ deliveries: EventDelivery[] }>(
        'POST',
        `/v1/events/${eventId}/replay`,
        { subscription_ids: [named, named] },
      );
      expect(response.status).toBe(202);
      expect(response.body.deliveries).toEqual([
        expect.objectContaining({ subscription_id: named, origin: 'replay' }),
      ]);
    });

    it('answers 404 naming a subscription that is unknown or another tenant’s, leaking nothing', async () => {
      const owner = await operator.createTenant('replay-owner');
      const intruder = await operator.createTenant('replay-intruder');
      const theirs = await subscribe(owner.client, ['*'], { description: 'owner-only' });
      const mine = await subscribe(intruder.client, ['*']);
      const eventId = await storeEvent(intruder.tenantId);

      const response = await intruder.client.request<ErrorBody>(
        'POST',
        `/v1/events/${eventId}/replay`,
        { subscription_ids: [mine, theirs, 'sub_missing'] },
      );
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('not_found');
      expect(response.body.error.details).toEqual([
        { field: 'subscription_ids[1]', message: `subscription ${theirs} not found` },
        { field: 'subscription_ids[2]', message: 'subscription sub_missing not found' },
      ]);
      expect(JSON.stringify(response.body)).not.toMatch(/owner-only|127\.0\.0\.1/);
      const detail = await intruder.client.request<{ deliveries: unknown[] }>(
        'GET',
        `/v1/events/${eventId}`,
      );
      expect(detail.body.deliveries).toEqual([]);
    });

    it('refuses a disabled subscription with 422 naming it', async () => {
      const { tenantId, client } = await operator.createTenant('replay-disabled');
      const disabled = await subscribe(client, ['*'], { enabled: false });
      const eventId = await storeEvent(tenantId);
      const response = await client.request<ErrorBody>('POST', `/v1/events/${eventId}/replay`, {
        subscription_ids: [disabled],
      });
      expect(response.status).toBe(422);
      expect(response.body.error.details).toEqual([
        { field: 'subscription_ids[0]', message: `subscription ${disabled} is disabled` },
      ]);
    });

    it('answers 404 for an unknown event and for another tenant’s event', async () => {
      const owner = await operator.createTenant('replay-event-owner');
      const intruder = await operator.createTenant('replay-event-intruder');
      await subscribe(intruder.client, ['*']);
      const eventId = await storeEvent(owner.tenantId, { data: { marker: 'owner-only' } });

      const unknown = await intruder.client.request<ErrorBody>(
        'POST',
        '/v1/events/evt_missing/replay',
      );
      expect(unknown.status).toBe(404);
      const response = await intruder.client.request<ErrorBody>(
        'POST',
        `/v1/events/${eventId}/replay`,
      );
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('not_found');
      expect(JSON.stringify(response.body)).not.toContain('owner-only');
      const rows: unknown[] = await db.query('SELECT 1 FROM deliveries WHERE event_id = $1', [
        eventId,
      ]);
      expect(rows).toEqual([]);
    });

    it.each([
      ['subscription_ids not an array', { subscription_ids: 'sub_x' }, 'subscription_ids'],
      ['subscription_ids empty', { subscription_ids: [] }, 'subscription_ids'],
      ['an unknown field', { subscriptions: ['sub_x'] }, 'subscriptions'],
    ])('refuses %s with 422 naming the field', async (_name, body, field) => {
      const { tenantId, client } = await operator.createTenant('replay-validation');
      const eventId = await storeEvent(tenantId);
      const response = await client.request<ErrorBody>(
        'POST',
        `/v1/events/${eventId}/replay`,
        body,
      );
      expect(response.status).toBe(422);
      expect(response.body.error.details.map((detail) => detail.field)).toEqual([field]);
    });
  });
});
