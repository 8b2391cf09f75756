import {
  ApiClient,
  waitFor,
  WebhookReceiver,
  type ReceivedRequest,
  verifyWebhook,
} from '@herald/testing';
import { startHerald, type RunningHerald } from './support/herald-harness';

type EventDetail = {
  id: string;
  deliveries: { id: string; subscription_id: string; origin: string; status: string }[];
};

describe('HTTP ingest: POST /v1/events to a webhook, idempotent by id, replayable', () => {
  let herald: RunningHerald;
  let receiver: WebhookReceiver;
  let operator: ApiClient;

  beforeAll(async () => {
    herald = await startHerald();
    receiver = await WebhookReceiver.start();
    operator = new ApiClient(herald.apiUrl, herald.config.auth.adminToken);
  });

  afterAll(async () => {
    await receiver.stop();
    await herald.stop();
  });

  async function postEvent(
    apiKey: string,
    body: Record<string, unknown>,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: { id: string; status: string } }> {
    const response = await fetch(`${herald.apiUrl}/v1/events`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${apiKey}`,
        'content-type': 'application/json',
        ...headers,
      },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as never };
  }

  async function subscribe(
    client: ApiClient,
    path: string,
  ): Promise<{ id: string; secret: string }> {
    const created = await client.request<{ id: string; secret: string }>(
      'POST',
      '/v1/subscriptions',
      { event_types: ['meter_data.*'], destination: { type: 'webhook', url: receiver.url + path } },
    );
    expect(created.status).toBe(201);
    return created.body;
  }

  const requestsTo = (path: string): ReceivedRequest[] =>
    receiver.requests.filter((request) => request.path === path);

  function verify(secret: string, request: ReceivedRequest): unknown {
    return verifyWebhook<unknown>(secret, request);
  }

  it('delivers an event posted over HTTP, signed the Standard Webhooks way', async () => {
    const { client, apiKey } = await operator.createTenant('http-producer');
    const subscription = await subscribe(client, '/http/delivered');
    const data = { meter_id: 'm-1', kwh: 12.5 };

    const accepted = await postEvent(apiKey, {
      type: 'meter_data.received',
      occurred_at: '2024-05-02T12:31:26.257Z',
      data,
    });
    expect(accepted.status).toBe(202);
    expect(accepted.body.status).toBe('accepted');
    expect(accepted.body.id).toMatch(/^evt_/);

    const request = await waitFor('the webhook', () => requestsTo('/http/delivered')[0]);
    expect(verify(subscription.secret, request)).toEqual({
      id: accepted.body.id,
      type: 'meter_data.received',
      timestamp: '2024-05-02T12:31:26.257Z',
      subscription_id: subscription.id,
      delivery_id: request.headers['webhook-id'],
      data,
    });
  });

  it('stores and delivers an event posted twice with one Idempotency-Key once per subscription', async () => {
    const { client, apiKey } = await operator.createTenant('http-retrying-producer');
    const first = await subscribe(client, '/http/idempotent/1');
    const second = await subscribe(client, '/http/idempotent/2');
    const event = { type: 'meter_data.received', data: { meter_id: 'm-2' } };

    const posts = [
      await postEvent(apiKey, event, { 'Idempotency-Key': 'reading-2024-05-02' }),
      await postEvent(apiKey, event, { 'Idempotency-Key': 'reading-2024-05-02' }),
    ];
    expect(posts.map((post) => [post.status, post.body.id])).toEqual([
      [202, 'reading-2024-05-02'],
      [202, 'reading-2024-05-02'],
    ]);
    // Every hop is keyed by tenant or subscription, so once a later event has arrived at both
    // receivers, a second delivery of the repost would have arrived before it.
    await postEvent(apiKey, { ...event, id: 'marker' });
    for (const path of ['/http/idempotent/1', '/http/idempotent/2']) {
      await waitFor(`the marker at ${path}`, () =>
        requestsTo(path).find((request) => request.body.includes('"marker"')),
      );
      const ids = requestsTo(path).map(
        (request) => (JSON.parse(request.body) as { id: string }).id,
      );
      expect(ids).toEqual(['reading-2024-05-02', 'marker']);
    }

    const listed = await client.request<{ data: { id: string }[] }>('GET', '/v1/events');
    expect(listed.body.data.map((stored) => stored.id)).toEqual(['marker', 'reading-2024-05-02']);
    const detail = await client.request<EventDetail>('GET', '/v1/events/reading-2024-05-02');
    expect(
      detail.body.deliveries.map((delivery) => [delivery.subscription_id, delivery.origin]).sort(),
    ).toEqual(
      [
        [first.id, 'event'],
        [second.id, 'event'],
      ].sort(),
    );
  });

  it('replays a delivered event to the receiver as a new delivery of the same event', async () => {
    const { client, apiKey } = await operator.createTenant('http-replay');
    const subscription = await subscribe(client, '/http/replayed');
    const accepted = await postEvent(apiKey, {
      type: 'meter_data.received',
      data: { meter_id: 'm-3' },
    });
    const original = await waitFor('the first delivery', () => requestsTo('/http/replayed')[0]);

    const replay = await client.request<{ deliveries: { id: string; origin: string }[] }>(
      'POST',
      `/v1/events/${accepted.body.id}/replay`,
      {},
    );
    expect(replay.status).toBe(202);
    expect(replay.body.deliveries).toHaveLength(1);
    expect(replay.body.deliveries[0].id).toMatch(/^dlv_/);
    expect(replay.body.deliveries[0].origin).toBe('replay');

    const replayed = await waitFor('the replayed delivery', () => requestsTo('/http/replayed')[1]);
    expect(replayed.headers['webhook-id']).toBe(replay.body.deliveries[0].id);
    expect(replayed.headers['webhook-id']).not.toBe(original.headers['webhook-id']);
    const [originalBody, replayedBody] = [original, replayed].map((request) =>
      verify(subscription.secret, request),
    );
    expect(replayedBody).toEqual({
      ...(originalBody as object),
      delivery_id: replay.body.deliveries[0].id,
    });
    expect(replayedBody).toMatchObject({ id: accepted.body.id, subscription_id: subscription.id });

    const detail = await waitFor('both deliveries to succeed', async () => {
      const response = await client.request<EventDetail>('GET', `/v1/events/${accepted.body.id}`);
      const statuses = response.body.deliveries.map((delivery) => delivery.status);
      return (
        statuses.length === 2 && statuses.every((status) => status === 'succeeded') && response
      );
    });
    expect(detail.body.deliveries.map((delivery) => [delivery.id, delivery.origin])).toEqual([
      [original.headers['webhook-id'], 'event'],
      [replay.body.deliveries[0].id, 'replay'],
    ]);
  });
});
