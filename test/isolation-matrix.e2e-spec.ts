import { ApiClient, waitFor, WebhookReceiver } from '@herald/testing';
import { startHerald, untilIngestKnows, type RunningHerald } from './support/herald-harness';

type Operation = { operationId: string; security?: Record<string, string[]>[] };
type Document = { paths: Record<string, Record<string, Operation>> };

/** A body each tenant operation accepts, so that only ownership, never validation, decides the answer. */
const VALID_BODIES: Record<string, unknown> = {
  updateSubscription: { description: 'taken over' },
  rotateSubscriptionSecret: {},
  testSubscription: {},
  recoverSubscription: { since: new Date(Date.now() - 3_600_000).toISOString() },
  replayEvent: {},
  retryDelivery: {},
  updateEventType: { description: 'taken over' },
  unarchiveEventType: {},
  previewSubscription: { event: { type: 'meter.created', data: {} } },
  previewEventType: { event: { data: {} } },
};

/**
 * The isolation matrix: every tenant route of the OpenAPI document that takes an id is called by
 * another tenant with the owner's ids, and answers 404 without a trace of the owner's data. New
 * routes join the matrix by themselves; a new kind of path parameter fails the test until mapped.
 */
describe('tenant isolation matrix: every endpoint with another tenant’s ids', () => {
  let herald: RunningHerald;
  let receiver: WebhookReceiver;
  let operator: ApiClient;

  beforeAll(async () => {
    herald = await startHerald();
    receiver = await WebhookReceiver.start();
    receiver.respondWith((request) =>
      request.path === '/owner-failing' ? { status: 500 } : { status: 200 },
    );
    operator = new ApiClient(herald.apiUrl, herald.config.auth.adminToken);
  });

  afterAll(async () => {
    await receiver.stop();
    await herald.stop();
  });

  it('answers 404 and leaks nothing, for every route and every kind of id', async () => {
    const owner = await operator.createTenant('owner-matrix');
    const intruder = await operator.createTenant('intruder-matrix');
    const marker = `owner-private-${Date.now()}`;

    await owner.client.request('POST', '/v1/event-types', {
      name: 'isolation_owner.only',
      description: marker,
    });
    const subscription = await owner.client.request<{ id: string; secret: string }>(
      'POST',
      '/v1/subscriptions',
      {
        description: marker,
        event_types: ['isolation_owner.*'],
        destination: {
          type: 'webhook',
          url: `${receiver.url}/owner-failing`,
          headers: { 'X-Owner': marker },
        },
      },
    );
    await untilIngestKnows(herald, subscription.body.id);
    const event = await owner.client.request<{ id: string }>('POST', '/v1/events', {
      type: 'isolation_owner.only',
      data: { marker },
    });
    expect(event.status).toBe(202);
    const delivery = await waitFor(
      'the owner’s delivery to be dead',
      async () => {
        const list = await owner.client.request<{ data: { id: string; status: string }[] }>(
          'GET',
          `/v1/deliveries?event_id=${event.body.id}`,
        );
        return list.body.data.find((d) => d.status === 'dead');
      },
      30_000,
      200,
    );

    const consoleSession = await owner.client.request<{ id: string }>(
      'POST',
      '/v1/console-sessions',
      {},
    );
    expect(consoleSession.status).toBe(201);

    const ids: Record<string, string> = {
      '/v1/console-sessions/{id}': consoleSession.body.id,
      '/v1/subscriptions/{id}': subscription.body.id,
      '/v1/events/{id}': event.body.id,
      '/v1/deliveries/{id}': delivery.id,
      '/v1/event-types/{name}': 'isolation_owner.only',
    };
    const secrets = [
      marker,
      owner.tenantId,
      subscription.body.secret,
      `${receiver.url}/owner-failing`,
    ];
    const leaks = (body: unknown) =>
      secrets.filter((secret) => JSON.stringify(body).includes(secret));

    const document = (await operator.request<Document>('GET', '/openapi.json')).body;
    const checked: string[] = [];
    // Deleting and archiving come last, so they do not hide the other routes' answers.
    const order = (method: string) => (method === 'delete' ? 1 : 0);
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item).sort(
        ([a], [b]) => order(a) - order(b),
      )) {
        const tenantRoute = operation.security?.some((scheme) => 'apiKey' in scheme);
        if (!tenantRoute || !path.includes('{')) continue;
        const base = Object.keys(ids).find(
          (prefix) => path === prefix || path.startsWith(`${prefix}/`),
        );
        if (!base)
          throw new Error(`map the path parameter of ${method.toUpperCase()} ${path} in this test`);
        const url = path.replace(/\{[a-z_]+\}/, encodeURIComponent(ids[base]));
        const response = await intruder.client.request(
          method.toUpperCase(),
          url,
          VALID_BODIES[operation.operationId],
        );
        expect({ route: `${method.toUpperCase()} ${path}`, status: response.status }).toEqual({
          route: `${method.toUpperCase()} ${path}`,
          status: 404,
        });
        expect({ route: `${method.toUpperCase()} ${path}`, leaks: leaks(response.body) }).toEqual({
          route: `${method.toUpperCase()} ${path}`,
          leaks: [],
        });
        checked.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(checked.length).toBeGreaterThanOrEqual(15);

    // Lists and filters with the owner's ids show the intruder nothing of the owner's.
    for (const url of [
      '/v1/subscriptions',
      '/v1/events',
      `/v1/events?type=isolation_owner.only`,
      '/v1/event-types?include_archived=true',
      `/v1/deliveries?subscription_id=${subscription.body.id}`,
      `/v1/deliveries?event_id=${event.body.id}`,
      `/v1/deliveries?q=${marker}`,
      '/v1/dead-letters',
      `/v1/dead-letters?subscription_id=${subscription.body.id}`,
    ]) {
      const response = await intruder.client.request<{ data: unknown[] }>('GET', url);
      expect({ url, status: response.status, data: response.body.data }).toEqual({
        url,
        status: 200,
        data: [],
      });
    }
    const redrive = await intruder.client.request('POST', '/v1/dead-letters/redrive', {
      ids: [delivery.id],
    });
    expect(redrive.status).toBeGreaterThanOrEqual(400);
    expect(leaks(redrive.body)).toEqual([]);

    // And the owner's things are untouched.
    const after = await owner.client.request<{ description: string; enabled: boolean }>(
      'GET',
      `/v1/subscriptions/${subscription.body.id}`,
    );
    expect(after.body).toMatchObject({ description: marker, enabled: true });
    const secret = await owner.client.request<{ secret: string }>(
      'GET',
      `/v1/subscriptions/${subscription.body.id}/secret`,
    );
    expect(secret.body.secret).toBe(subscription.body.secret);
    const type = await owner.client.request<{ archived_at: string | null; description: string }>(
      'GET',
      '/v1/event-types/isolation_owner.only',
    );
    expect(type.body).toMatchObject({ archived_at: null, description: marker });
    expect(receiver.requests.filter((request) => request.path === '/owner-failing')).toHaveLength(
      3,
    );
  });
});
