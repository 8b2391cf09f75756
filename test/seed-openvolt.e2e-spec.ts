import type { Producer } from 'kafkajs';
import {
  type ApiClient,
  waitFor,
  type WebhookReceiver,
  type ReceivedRequest,
  verifyWebhook,
} from '@herald/testing';
import { startPipeline, type PipelineFixture } from './support/herald-harness';
import { exampleTransformation } from './support/example-transformations';

type DeliveredBody = {
  id: string;
  type: string;
  timestamp: string;
  subscription_id: string;
  delivery_id: string;
  data: unknown;
};
type EventDetail = {
  id: string;
  type: string;
  occurred_at: string;
  received_at: string;
  subject: string | null;
  changed_fields: string[] | null;
  data: unknown;
  deliveries: { id: string; subscription_id: string; origin: string; status: string }[];
};

const OPENVOLT_TYPES = [
  'meter_data.received',
  'meter.created',
  'user.created',
  'customer.created',
  'api_keys.rotated',
  'hosted_consent.approved',
  'hosted_consent.revoked',
];

/**
 * A backfill of a commercial meter and a UK residential one, as Openvolt's recipe processes it: the
 * payload is the list itself (issue 13; it had to be wrapped in an object before).
 */
const METER_DATA = [
  {
    meter_id: '6614a8f2c1e4b2a5d3f0e911',
    start_interval: '2023-04-01T00:00:00.000Z',
    end_interval: '2024-05-01T00:00:00.000Z',
  },
  {
    meter_id: '6614a8f2c1e4b2a5d3f0e912',
    start_interval: '2024-04-01T00:00:00.000Z',
    end_interval: '2024-05-01T00:00:00.000Z',
  },
];

const payloadOf = (type: string): unknown => {
  switch (type) {
    case 'meter_data.received':
      return METER_DATA;
    case 'meter.created':
      return { meter_id: '6614a8f2c1e4b2a5d3f0e911', mpan: '1200023305967' };
    case 'hosted_consent.approved':
    case 'hosted_consent.revoked':
      return { hosted_consent_id: 'hc-1', customer_id: 'cus-1', meters: ['1200023305967'] };
    default:
      return { id: `${type}-1` };
  }
};

/**
 * The notification Openvolt documents, quoted from seeds 001 and 003 ("Event Notification Schemas"):
 * "Each event notification will be sent in JSON format with the following schema".
 */
const DOCUMENTED_NOTIFICATION = {
  subscription_id: '0318df2f-7b9c-4b2e-bf8d-113919ab1e78',
  event_id: 'meter_data.received',
  event_timestamp: '2024-05-02T12:31:26.257Z',
  delivery_id: 'c9d893a1-11dc-4063-834f-35bff4437ca2',
  payload: '',
};
type Notification = typeof DOCUMENTED_NOTIFICATION & { payload: unknown };

/** Openvolt's Events platform (seeds 001 and 003): seven event types, webhook subscriptions to several. */
describe('seed: Openvolt events and webhooks', () => {
  let fixture: PipelineFixture;
  let receiver: WebhookReceiver;
  let operator: ApiClient;
  let producer: Producer;

  beforeAll(async () => {
    fixture = await startPipeline('openvolt-platform');
    ({ receiver, operator, producer } = fixture);
  });

  afterAll(() => fixture.stop());

  const requestsTo = (path: string): ReceivedRequest[] => receiver.distinctRequestsTo(path);

  function verify(secret: string, request: ReceivedRequest): DeliveredBody {
    return verifyWebhook<DeliveredBody>(secret, request);
  }

  /** Publishes to herald.events.inbound as Openvolt's producer would, keyed by tenant. */
  async function publish(tenantId: string, events: Record<string, unknown>[]): Promise<void> {
    await producer.send({
      topic: 'herald.events.inbound',
      messages: events.map((event) => ({
        key: tenantId,
        value: JSON.stringify({ tenant_id: tenantId, ...event }),
      })),
    });
  }

  /** The meter data notification, its payload the documented list of meters. */
  const meterData = {
    type: 'meter_data.received',
    occurred_at: '2024-05-02T12:31:26.257Z',
    data: METER_DATA,
  };

  async function publishAllTypes(tenantId: string): Promise<void> {
    await publish(
      tenantId,
      OPENVOLT_TYPES.map((type) => ({
        type,
        occurred_at: '2024-05-02T12:31:26.257Z',
        data: payloadOf(type),
      })),
    );
  }

  it('delivers exactly the meter data and hosted consent events to a subscription of both', async () => {
    const { tenantId, client } = await operator.createTenant('Openvolt developer');
    const subscription = await client.request<{
      id: string;
      secret: string;
      description: string;
      event_types: string[];
    }>('POST', '/v1/subscriptions', {
      description: 'Onboarding: meter data arrived, consent given or taken back',
      event_types: ['meter_data.*', 'hosted_consent.*'],
      destination: { type: 'webhook', url: `${receiver.url}/openvolt/onboarding` },
    });
    expect(subscription.status).toBe(201);
    expect(subscription.body.description).toBe(
      'Onboarding: meter data arrived, consent given or taken back',
    );
    expect(subscription.body.event_types).toEqual(['meter_data.*', 'hosted_consent.*']);

    await publishAllTypes(tenantId);

    const received = await waitFor('the three subscribed events', () => {
      const requests = requestsTo('/openvolt/onboarding');
      return requests.length >= 3 && requests;
    });
    const bodies = received.map((request) => verify(subscription.body.secret, request));
    expect(bodies.map((body) => body.type).sort()).toEqual([
      'hosted_consent.approved',
      'hosted_consent.revoked',
      'meter_data.received',
    ]);
    for (const [index, body] of bodies.entries()) {
      expect(Object.keys(body).sort()).toEqual(
        ['data', 'delivery_id', 'id', 'subscription_id', 'timestamp', 'type'].sort(),
      );
      expect(body.id).toMatch(/^evt_/);
      expect(body.timestamp).toBe('2024-05-02T12:31:26.257Z');
      expect(body.subscription_id).toBe(subscription.body.id);
      expect(body.delivery_id).toBe(received[index].headers['webhook-id']);
      expect(body.data).toEqual(payloadOf(body.type));
    }

    // Every one of the seven was stored, so the four others were refused, not merely late.
    await waitFor('all seven events stored', async () => {
      const page = await client.request<{ data: { type: string }[] }>('GET', '/v1/events');
      return page.body.data.length >= OPENVOLT_TYPES.length;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(requestsTo('/openvolt/onboarding')).toHaveLength(3);
  });

  it('keeps a meter_data.received payload intact, lets it be fetched by id with its deliveries, and replays it', async () => {
    const { tenantId, client } = await operator.createTenant('Openvolt integrator');
    const subscription = await client.request<{ id: string; secret: string }>(
      'POST',
      '/v1/subscriptions',
      {
        description: 'Load interval data into the data warehouse',
        event_types: ['meter_data.received'],
        destination: { type: 'webhook', url: `${receiver.url}/openvolt/warehouse` },
      },
    );
    expect(subscription.status).toBe(201);
    await publish(tenantId, [meterData]);

    const first = await waitFor(
      'the meter data webhook',
      () => requestsTo('/openvolt/warehouse')[0],
    );
    const delivered = verify(subscription.body.secret, first);
    expect(delivered).toEqual({
      id: expect.stringMatching(/^evt_/) as unknown,
      type: 'meter_data.received',
      timestamp: '2024-05-02T12:31:26.257Z',
      subscription_id: subscription.body.id,
      delivery_id: first.headers['webhook-id'],
      data: METER_DATA,
    });

    const detail = await waitFor('the delivery to be recorded as succeeded', async () => {
      const response = await client.request<EventDetail>('GET', `/v1/events/${delivered.id}`);
      return (
        response.status === 200 &&
        response.body.deliveries[0]?.status === 'succeeded' &&
        response.body
      );
    });
    expect(detail).toMatchObject({
      id: delivered.id,
      type: 'meter_data.received',
      occurred_at: '2024-05-02T12:31:26.257Z',
      subject: null,
      changed_fields: null,
      data: METER_DATA,
    });
    expect(detail.deliveries).toEqual([
      expect.objectContaining({
        id: delivered.delivery_id,
        subscription_id: subscription.body.id,
        origin: 'event',
        status: 'succeeded',
      }),
    ]);

    const replay = await client.request<{ deliveries: { id: string; origin: string }[] }>(
      'POST',
      `/v1/events/${delivered.id}/replay`,
      {},
    );
    expect(replay.status).toBe(202);
    expect(replay.body.deliveries).toEqual([
      expect.objectContaining({ id: expect.stringMatching(/^dlv_/) as unknown, origin: 'replay' }),
    ]);
    const again = await waitFor('the replayed webhook', () => requestsTo('/openvolt/warehouse')[1]);
    expect(verify(subscription.body.secret, again)).toEqual({
      ...delivered,
      delivery_id: replay.body.deliveries[0].id,
    });
    expect(again.headers['webhook-id']).toBe(replay.body.deliveries[0].id);

    const other = await operator.createTenant('another Openvolt customer');
    const hidden = await other.client.request('GET', `/v1/events/${delivered.id}`);
    expect(hidden.status).toBe(404);
    expect(JSON.stringify(hidden.body)).not.toContain('6614a8f2c1e4b2a5d3f0e911');
  });

  it('matches a filter on meter_id in any element of list data and projects each element', async () => {
    const { tenantId, client } = await operator.createTenant('Openvolt meter filter');
    const subscribe = (path: string, meterId: string, payloadFields: string[] | null) =>
      client.request<{ id: string; secret: string }>('POST', '/v1/subscriptions', {
        event_types: ['meter_data.received'],
        filter: { 'data.meter_id': meterId },
        payload_fields: payloadFields,
        destination: { type: 'webhook', url: `${receiver.url}/openvolt/${path}` },
      });
    const residential = await subscribe('residential', '6614a8f2c1e4b2a5d3f0e912', null);
    const ids = await subscribe('ids', '6614a8f2c1e4b2a5d3f0e912', ['meter_id']);
    const unknown = await subscribe('unknown-meter', 'no-such-meter', null);
    for (const created of [residential, ids, unknown]) expect(created.status).toBe(201);

    await publish(tenantId, [meterData]);

    const whole = verify(
      residential.body.secret,
      await waitFor('the filtered webhook', () => requestsTo('/openvolt/residential')[0]),
    );
    expect(whole).toMatchObject({ type: 'meter_data.received', data: METER_DATA });
    const projected = verify(
      ids.body.secret,
      await waitFor('the projected webhook', () => requestsTo('/openvolt/ids')[0]),
    );
    expect(projected.data).toEqual([
      { meter_id: '6614a8f2c1e4b2a5d3f0e911' },
      { meter_id: '6614a8f2c1e4b2a5d3f0e912' },
    ]);
    expect(projected.id).toBe(whole.id);

    const stored = await waitFor('the event with its two deliveries', async () => {
      const response = await client.request<EventDetail>('GET', `/v1/events/${whole.id}`);
      return response.status === 200 && response.body.deliveries.length >= 2 && response.body;
    });
    expect(stored.data).toEqual(METER_DATA);
    expect(stored.deliveries.map((delivery) => delivery.subscription_id).sort()).toEqual(
      [residential.body.id, ids.body.id].sort(),
    );
    expect(requestsTo('/openvolt/unknown-meter')).toEqual([]);
  });

  it('takes list data over HTTP too, and shows it by id', async () => {
    const { client } = await operator.createTenant('Openvolt over HTTP');
    const subscription = await client.request<{ id: string; secret: string }>(
      'POST',
      '/v1/subscriptions',
      {
        event_types: ['meter_data.received'],
        filter: { 'data.meter_id': '6614a8f2c1e4b2a5d3f0e911' },
        destination: { type: 'webhook', url: `${receiver.url}/openvolt/http` },
      },
    );
    expect(subscription.status).toBe(201);
    const published = await client.request<{ id: string; status: string }>('POST', '/v1/events', {
      type: 'meter_data.received',
      data: METER_DATA,
    });
    expect(published.status).toBe(202);

    const delivered = verify(
      subscription.body.secret,
      await waitFor('the webhook of the HTTP event', () => requestsTo('/openvolt/http')[0]),
    );
    expect(delivered).toMatchObject({ id: published.body.id, data: METER_DATA });
    const stored = await client.request<EventDetail>('GET', `/v1/events/${published.body.id}`);
    expect(stored.status).toBe(200);
    expect(stored.body.data).toEqual(METER_DATA);
  });

  it('registers each of the seven types in the tenant’s event type catalog', async () => {
    const { tenantId, client } = await operator.createTenant('Openvolt catalog');
    await publishAllTypes(tenantId);
    const names = await waitFor('seven catalog entries', async () => {
      const page = await client.request<{ data: { name: string }[] }>(
        'GET',
        '/v1/event-types?limit=100',
      );
      return page.body.data.length >= OPENVOLT_TYPES.length && page.body.data;
    });
    expect(names.map((type) => type.name).sort()).toEqual([...OPENVOLT_TYPES].sort());
    // Catalog entries are written just before their event is stored, so the last may lag a little.
    const history = await waitFor('both consent events in the history', async () => {
      const page = await client.request<{ data: { type: string }[] }>(
        'GET',
        '/v1/events?type=hosted_consent.*',
      );
      return page.body.data.length >= 2 && page.body.data;
    });
    expect(history.map((event) => event.type).sort()).toEqual([
      'hosted_consent.approved',
      'hosted_consent.revoked',
    ]);
  });

  it('sends the documented notification, field by field, with examples/transformations/openvolt.jsonata', async () => {
    const { tenantId, client } = await operator.createTenant('Openvolt notifications');
    const transformation = exampleTransformation('openvolt');
    const subscription = await client.request<{
      id: string;
      secret: string;
      transformation: string;
    }>('POST', '/v1/subscriptions', {
      description: 'Openvolt notification schema',
      event_types: ['meter_data.received', 'hosted_consent.*'],
      destination: { type: 'webhook', url: `${receiver.url}/openvolt/notifications` },
      transformation,
    });
    expect(subscription.status).toBe(201);
    expect(subscription.body.transformation).toBe(transformation);

    // The documented notification's own event, then the same type with meter data and a consent.
    const events = [
      {
        id: 'ov-documented',
        type: DOCUMENTED_NOTIFICATION.event_id,
        occurred_at: DOCUMENTED_NOTIFICATION.event_timestamp,
        data: DOCUMENTED_NOTIFICATION.payload,
      },
      {
        id: 'ov-meter-data',
        type: 'meter_data.received',
        occurred_at: '2024-05-02T12:31:27.001Z',
        data: METER_DATA,
      },
      {
        id: 'ov-consent',
        type: 'hosted_consent.approved',
        occurred_at: '2024-05-02T12:31:28.500Z',
        data: payloadOf('hosted_consent.approved'),
      },
    ];
    await publish(tenantId, events);

    const received = await waitFor('the three notifications', () => {
      const requests = requestsTo('/openvolt/notifications');
      return requests.length >= events.length && requests;
    });
    expect(received).toHaveLength(events.length);
    for (const event of events) {
      const request = received.find((candidate) => {
        const body = JSON.parse(candidate.body) as Notification;
        return body.event_timestamp === event.occurred_at;
      });
      if (!request) throw new Error(`no notification for ${event.id}`);
      // The signature covers exactly the bytes received.
      const body = verifyWebhook<Notification>(subscription.body.secret, request);
      const deliveryId = String(request.headers['webhook-id']);
      expect(deliveryId).toMatch(/^dlv_/);

      // The documented fields, in the documented order, each of the documented JSON type.
      expect(Object.keys(body)).toEqual(Object.keys(DOCUMENTED_NOTIFICATION));
      expect(body.subscription_id).toBe(subscription.body.id);
      expect(body.event_id).toBe(event.type);
      expect(body.event_timestamp).toBe(event.occurred_at);
      expect(body.delivery_id).toBe(deliveryId);
      expect(body.payload).toEqual(event.data);
      for (const field of ['subscription_id', 'event_id', 'event_timestamp', 'delivery_id']) {
        expect(typeof body[field as keyof Notification]).toBe('string');
      }
      expect(request.body).toBe(
        JSON.stringify({
          subscription_id: subscription.body.id,
          event_id: event.type,
          event_timestamp: event.occurred_at,
          delivery_id: deliveryId,
          payload: event.data,
        }),
      );
    }

    // The documented example itself: only the ids are Herald's (sub_…, dlv_… instead of UUIDs).
    const documented = received
      .map((request) => JSON.parse(request.body) as Notification)
      .find((body) => body.payload === '');
    expect(documented).toEqual({
      ...DOCUMENTED_NOTIFICATION,
      subscription_id: subscription.body.id,
      delivery_id: expect.stringMatching(/^dlv_/) as unknown,
    });
  });

  it('sends the documented payload as the meter_data.received example in a test send, shaped the same way', async () => {
    const { client } = await operator.createTenant('Openvolt test send');
    const type = await client.request<{ examples: unknown[] }>('POST', '/v1/event-types', {
      name: 'meter_data.received',
      description: 'New interval data arrived for a meter',
      examples: [DOCUMENTED_NOTIFICATION.payload, METER_DATA],
    });
    expect(type.status).toBe(201);
    expect(type.body.examples).toEqual([DOCUMENTED_NOTIFICATION.payload, METER_DATA]);
    const subscription = await client.request<{ id: string; secret: string }>(
      'POST',
      '/v1/subscriptions',
      {
        event_types: ['meter_data.received'],
        destination: { type: 'webhook', url: `${receiver.url}/openvolt/test-send` },
        transformation: exampleTransformation('openvolt'),
      },
    );
    expect(subscription.status).toBe(201);

    const sent = await client.request<{ delivery: { id: string; event_type: string } }>(
      'POST',
      `/v1/subscriptions/${subscription.body.id}/test`,
      {},
    );
    // 200 once the first attempt is made, 202 while it is under way; the receiver has the word.
    expect([200, 202]).toContain(sent.status);
    expect(sent.body.delivery.event_type).toBe('meter_data.received');

    const [request] = await waitFor('the test notification', () => {
      const requests = requestsTo('/openvolt/test-send');
      return requests.length > 0 && requests;
    });
    const body = verifyWebhook<Notification>(subscription.body.secret, request);
    expect(Object.keys(body)).toEqual(Object.keys(DOCUMENTED_NOTIFICATION));
    expect(body).toEqual({
      subscription_id: subscription.body.id,
      event_id: DOCUMENTED_NOTIFICATION.event_id,
      event_timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) as unknown,
      delivery_id: sent.body.delivery.id,
      payload: DOCUMENTED_NOTIFICATION.payload,
    });
  });
});
