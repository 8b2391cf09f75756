import { ApiClient, verifyWebhook, waitFor, WebhookReceiver } from '@herald/testing';
import { startHerald, type RunningHerald } from './support/herald-harness';

type ValidationError = {
  error: { code: string; message: string; details: { field: string; message: string }[] };
};
type Attempt = {
  attempt: number;
  outcome: string;
  error_class: string | null;
  error_message: string | null;
};
type DeliveryDetail = { id: string; status: string; attempts: Attempt[] };
type Page<T> = { data: T[] };

/**
 * Body transformations through the whole pipeline: a JSONata expression on a subscription, or on
 * its event type as the default, shapes the body a real receiver gets, signed over exactly those
 * bytes; one that does not compile is refused; one that fails on an event dead-letters that delivery
 * with the reason, and nothing else is held up.
 */
describe('body transformations', () => {
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

  const subscribe = async (
    client: ApiClient,
    path: string,
    extra: Record<string, unknown> = {},
  ): Promise<{ id: string; secret: string }> => {
    const created = await client.request<{ id: string; secret: string }>(
      'POST',
      '/v1/subscriptions',
      {
        event_types: ['meter_data.*'],
        destination: { type: 'webhook', url: receiver.url + path },
        ...extra,
      },
    );
    expect(created.status).toBe(201);
    return created.body;
  };

  const received = (path: string) =>
    waitFor(`a delivery to ${path}`, () =>
      receiver.requests.find((request) => request.path === path),
    );

  it('refuses a transformation that does not compile, naming the field and the position', async () => {
    const { client } = await operator.createTenant('transform-refused');
    const bad = await client.request<ValidationError>('POST', '/v1/subscriptions', {
      event_types: ['meter_data.*'],
      destination: { type: 'webhook', url: receiver.url + '/never' },
      transformation: '{"a": event.id',
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('validation_failed');
    expect(bad.body.error.details).toEqual([
      {
        field: 'transformation',
        message: expect.stringMatching(
          /^is not a valid JSONata expression: S0\d+ at position \d+/,
        ) as string,
      },
    ]);

    const regex = await client.request<ValidationError>('POST', '/v1/event-types', {
      name: 'meter_data.received',
      transformation: '$match(event.id, /x+/)',
    });
    expect(regex.status).toBe(422);
    expect(regex.body.error.details.map((d) => d.field)).toEqual(['transformation']);

    const sub = await subscribe(client, '/never');
    const patched = await client.request<ValidationError>('PATCH', `/v1/subscriptions/${sub.id}`, {
      transformation: 42,
    });
    expect(patched.status).toBe(422);
    expect(patched.body.error.details).toEqual([
      { field: 'transformation', message: 'must be a string or null' },
    ]);
  });

  it("shapes the body with the subscription's transformation, signed over the bytes sent", async () => {
    const { tenantId, client } = await operator.createTenant('transform-subscription');
    const transformation =
      '{"subscription_id": subscription_id, "event_id": event.type, "event_timestamp": ' +
      'event.occurred_at, "delivery_id": delivery_id, "payload": event.data, "subject": ' +
      'event.subject, "attempt": attempt, "tenant": tenant_id}';
    const sub = await subscribe(client, '/shaped/subscription', { transformation });
    const shown = await client.request<{ transformation: string }>(
      'GET',
      `/v1/subscriptions/${sub.id}`,
    );
    expect(shown.body.transformation).toBe(transformation);

    const accepted = await client.request<{ id: string }>('POST', '/v1/events', {
      type: 'meter_data.received',
      subject: 'meter/m-1',
      occurred_at: '2024-05-02T12:31:26.257Z',
      data: { meter_id: 'm-1', start_interval: '2024-05-01T00:00:00Z' },
    });
    expect(accepted.status).toBe(202);

    const request = await received('/shaped/subscription');
    const body = verifyWebhook<Record<string, unknown>>(sub.secret, request);
    const delivery = await waitFor('the delivery', async () => {
      const page = await client.request<Page<{ id: string; status: string }>>(
        'GET',
        `/v1/deliveries?event_id=${accepted.body.id}`,
      );
      return page.body.data[0];
    });
    expect(body).toEqual({
      subscription_id: sub.id,
      event_id: 'meter_data.received',
      event_timestamp: '2024-05-02T12:31:26.257Z',
      delivery_id: delivery.id,
      payload: { meter_id: 'm-1', start_interval: '2024-05-01T00:00:00Z' },
      subject: 'meter/m-1',
      attempt: 1,
      tenant: tenantId,
    });
    // Exactly what the expression gave, serialised once: the signature covers these bytes.
    expect(request.body).toBe(JSON.stringify(body));
    expect(request.headers['content-type']).toBe('application/json');
  });

  it("uses the event type's transformation by default, and a subscription's own wins", async () => {
    const { client } = await operator.createTenant('transform-event-type');
    const type = await client.request<{ transformation: string }>('POST', '/v1/event-types', {
      name: 'meter_data.received',
      transformation: '{"kind": "from-type", "meter": event.data.meter_id}',
    });
    expect(type.status).toBe(201);
    expect(type.body.transformation).toBe('{"kind": "from-type", "meter": event.data.meter_id}');
    const byType = await subscribe(client, '/shaped/by-type');
    const own = await subscribe(client, '/shaped/own', {
      transformation: '{"kind": "own", "meter": event.data.meter_id}',
    });
    const plain = await subscribe(client, '/shaped/plain', { event_types: ['meter_data.other'] });

    await client.request('POST', '/v1/events', {
      type: 'meter_data.received',
      data: { meter_id: 'm-7' },
    });
    await client.request('POST', '/v1/events', { type: 'meter_data.other', data: { n: 1 } });

    expect(verifyWebhook(byType.secret, await received('/shaped/by-type'))).toEqual({
      kind: 'from-type',
      meter: 'm-7',
    });
    expect(verifyWebhook(own.secret, await received('/shaped/own'))).toEqual({
      kind: 'own',
      meter: 'm-7',
    });
    // A type without a transformation: the standard body.
    expect(verifyWebhook(plain.secret, await received('/shaped/plain'))).toMatchObject({
      type: 'meter_data.other',
      subscription_id: plain.id,
      data: { n: 1 },
    });
  });

  it("gives the transformation the subscription's metadata, kept and cleared through the API", async () => {
    const { client } = await operator.createTenant('transform-metadata');
    const sub = await subscribe(client, '/shaped/metadata', {
      metadata: { hookId: 7, account: { plan: 'pro' } },
      transformation: '{"hookId": metadata.hookId, "plan": metadata.account.plan}',
    });
    await client.request('POST', '/v1/events', {
      type: 'meter_data.received',
      data: { meter_id: 'm-1' },
    });
    expect(verifyWebhook(sub.secret, await received('/shaped/metadata'))).toEqual({
      hookId: 7,
      plan: 'pro',
    });

    const tooBig = await client.request<ValidationError>('PATCH', `/v1/subscriptions/${sub.id}`, {
      metadata: { note: 'x'.repeat(5000) },
    });
    expect(tooBig.status).toBe(422);
    expect(tooBig.body.error.details).toEqual([
      {
        field: 'metadata',
        message: expect.stringMatching(/^must be at most 4096 bytes/) as string,
      },
    ]);
    const notObject = await client.request<ValidationError>(
      'PATCH',
      `/v1/subscriptions/${sub.id}`,
      { metadata: [1] },
    );
    expect(notObject.status).toBe(422);
    const cleared = await client.request<{ metadata: unknown }>(
      'PATCH',
      `/v1/subscriptions/${sub.id}`,
      { metadata: null },
    );
    expect(cleared.body.metadata).toEqual({});
  });

  it('dead-letters a delivery its transformation fails on, with the reason, holding nothing up', async () => {
    const { client } = await operator.createTenant('transform-failing');
    const failing = await subscribe(client, '/shaped/failing', {
      transformation: '{"n": $number(event.data.meter_id)}',
    });
    const neighbour = await subscribe(client, '/shaped/neighbour');
    const accepted = await client.request<{ id: string }>('POST', '/v1/events', {
      type: 'meter_data.received',
      data: { meter_id: 'not-a-number' },
    });
    expect(accepted.status).toBe(202);

    expect(verifyWebhook(neighbour.secret, await received('/shaped/neighbour'))).toMatchObject({
      id: accepted.body.id,
    });
    const dead = await waitFor('the failing delivery to be dead', async () => {
      const page = await client.request<Page<{ id: string; status: string }>>(
        'GET',
        `/v1/deliveries?event_id=${accepted.body.id}&subscription_id=${failing.id}`,
      );
      return page.body.data[0]?.status === 'dead' && page.body.data[0];
    });
    const detail = await client.request<DeliveryDetail>('GET', `/v1/deliveries/${dead.id}`);
    expect(detail.body.attempts).toEqual([
      expect.objectContaining({
        attempt: 1,
        outcome: 'failed',
        error_class: 'permanent',
        error_message: expect.stringMatching(/^transformation failed: D\d+/) as string,
      }),
    ]);
    expect(receiver.requests.filter((request) => request.path === '/shaped/failing')).toEqual([]);
  });

  describe('preview', () => {
    type Preview = {
      would_deliver: boolean;
      reasons: string[];
      delivery_id: string;
      transformation: string | null;
      body: unknown;
      raw_body: string | null;
      headers: Record<string, string> | null;
      error: string | null;
      event: { id: string; type: string; data: unknown };
    };

    it('renders a given event through filter, payload_fields and transformation, signed, sending nothing', async () => {
      const { client } = await operator.createTenant('preview-given');
      const sub = await subscribe(client, '/preview/never', {
        destination: {
          type: 'webhook',
          url: receiver.url + '/preview/never',
          headers: { Authorization: 'Token abc' },
        },
        filter: { 'data.nodeId': { $in: [1, 2] } },
        payload_fields: ['nodeId', 'watts'],
        transformation:
          '{"node": event.data.nodeId, "w": event.data.watts, "keys": $keys(event.data)}',
      });
      const event = {
        type: 'meter_data.received',
        subject: 'node/1',
        data: { nodeId: 1, watts: 1200, secret_note: 'not delivered' },
      };
      const preview = await client.request<Preview>('POST', `/v1/subscriptions/${sub.id}/preview`, {
        event,
      });
      expect(preview.status).toBe(200);
      expect(preview.body).toMatchObject({
        would_deliver: true,
        reasons: [],
        transformation: 'subscription',
        body: { node: 1, w: 1200, keys: ['nodeId', 'watts'] },
        raw_body: '{"node":1,"w":1200,"keys":["nodeId","watts"]}',
        error: null,
        event: { type: 'meter_data.received', data: event.data },
      });
      const headers = preview.body.headers ?? {};
      expect(headers).toMatchObject({
        Authorization: '********',
        'content-type': 'application/json',
        'webhook-id': preview.body.delivery_id,
      });
      // The signature is the subscription's, over exactly raw_body.
      expect(
        verifyWebhook(sub.secret, {
          method: 'POST',
          path: '/preview/never',
          headers,
          body: preview.body.raw_body ?? '',
          receivedAt: Date.now(),
        }),
      ).toEqual({ node: 1, w: 1200, keys: ['nodeId', 'watts'] });

      const filtered = await client.request<Preview>(
        'POST',
        `/v1/subscriptions/${sub.id}/preview`,
        {
          event: { ...event, type: 'other.thing', data: { nodeId: 3 } },
        },
      );
      expect(filtered.body).toMatchObject({
        would_deliver: false,
        reasons: [
          'event_types does not include other.thing',
          'the filter does not hold for this event',
        ],
      });
      const deliveries = await client.request<Page<unknown>>(
        'GET',
        `/v1/deliveries?subscription_id=${sub.id}`,
      );
      expect(deliveries.body.data).toEqual([]);
      expect(receiver.requests.filter((request) => request.path === '/preview/never')).toEqual([]);
    });

    it('renders a stored event, and says why a transformation gives no body', async () => {
      const { client } = await operator.createTenant('preview-stored');
      const sub = await subscribe(client, '/preview/stored', {
        enabled: false,
        transformation: '$number(event.data.meter_id)',
      });
      const accepted = await client.request<{ id: string }>('POST', '/v1/events', {
        type: 'meter_data.received',
        data: { meter_id: 'm-1' },
      });
      await waitFor('the event to be stored', async () => {
        const stored = await client.request('GET', `/v1/events/${accepted.body.id}`);
        return stored.status === 200;
      });
      const preview = await client.request<Preview>('POST', `/v1/subscriptions/${sub.id}/preview`, {
        event_id: accepted.body.id,
      });
      expect(preview.status).toBe(200);
      expect(preview.body).toMatchObject({
        would_deliver: false,
        reasons: ['the subscription is paused (enabled is false)'],
        body: null,
        raw_body: null,
        headers: null,
        error: expect.stringMatching(/^transformation failed: D\d+/) as string,
        event: { id: accepted.body.id },
      });
    });

    it('answers 404 for an unknown subscription or event, 422 for neither or both', async () => {
      const { client } = await operator.createTenant('preview-errors');
      const sub = await subscribe(client, '/preview/errors');
      const event = { type: 'meter_data.received', data: {} };
      expect(
        (await client.request('POST', '/v1/subscriptions/sub_nope/preview', { event })).status,
      ).toBe(404);
      expect(
        (
          await client.request('POST', `/v1/subscriptions/${sub.id}/preview`, {
            event_id: 'evt_nope',
          })
        ).status,
      ).toBe(404);
      // Another tenant's stored event is not there for this one.
      const { client: other } = await operator.createTenant('preview-other');
      const theirs = await other.request<{ id: string }>('POST', '/v1/events', event);
      await waitFor('their event to be stored', async () => {
        const stored = await other.request('GET', `/v1/events/${theirs.body.id}`);
        return stored.status === 200;
      });
      const leaked = await client.request('POST', `/v1/subscriptions/${sub.id}/preview`, {
        event_id: theirs.body.id,
      });
      expect(leaked.status).toBe(404);
      expect(JSON.stringify(leaked.body)).not.toContain('meter_data');
      const neither = await client.request<ValidationError>(
        'POST',
        `/v1/subscriptions/${sub.id}/preview`,
        {},
      );
      expect(neither.status).toBe(422);
      expect(neither.body.error.details.map((d) => d.field)).toEqual(['event_id']);
      const bad = await client.request<ValidationError>(
        'POST',
        `/v1/subscriptions/${sub.id}/preview`,
        {
          event: { type: 'meter_data.received', occurred_at: 'yesterday', data: {} },
        },
      );
      expect(bad.status).toBe(422);
      expect(bad.body.error.details.map((d) => d.field)).toEqual(['event.occurred_at']);
    });

    it("previews an event type's default body and checks its schema", async () => {
      const { client } = await operator.createTenant('preview-type');
      await client.request('POST', '/v1/event-types', {
        name: 'meter_data.received',
        schema: { type: 'object', required: ['meter_id'] },
        payload_fields: ['meter_id'],
        transformation: '{"meter": event.data.meter_id, "for": subscription_id}',
      });
      const good = await client.request<Preview & { schema_error: unknown }>(
        'POST',
        '/v1/event-types/meter_data.received/preview',
        { event: { data: { meter_id: 'm-3', other: true } } },
      );
      expect(good.status).toBe(200);
      expect(good.body).toMatchObject({
        schema_error: null,
        transformation: true,
        body: { meter: 'm-3', for: 'sub_preview' },
        event: { type: 'meter_data.received' },
      });
      const bad = await client.request<{ schema_error: { field: string; message: string } }>(
        'POST',
        '/v1/event-types/meter_data.received/preview',
        { event: { data: { other: true } } },
      );
      expect(bad.body.schema_error).toEqual({
        field: 'data.meter_id',
        message: expect.stringMatching(/data.meter_id is required/) as string,
      });
    });
  });
});
