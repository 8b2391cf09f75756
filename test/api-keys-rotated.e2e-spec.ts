import { Webhook } from 'standardwebhooks';
import { ApiClient, waitFor, WebhookReceiver } from '@herald/testing';
import { startHerald, type RunningHerald } from './support/herald-harness';

/** Typed asymmetric matchers, so object literals in `toEqual` stay free of `any`. */
const anyString = (): string => expect.any(String) as string;
const matching = (pattern: RegExp): string => expect.stringMatching(pattern) as string;

type NewApiKeyBody = { id: string; key: string; prefix: string };
type ApiKeyBody = { id: string; expires_at: string | null };

describe('api_keys.rotated: a key rotation reaches the tenant’s own subscription', () => {
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

  it('delivers api_keys.rotated, signed, with the key ids and never the key', async () => {
    const { tenantId, client } = await operator.createTenant('Openvolt');
    const [previous] = (
      await operator.request<{ data: ApiKeyBody[] }>('GET', `/v1/tenants/${tenantId}/api-keys`)
    ).body.data;
    const subscription = await client.request<{ id: string; secret: string }>(
      'POST',
      '/v1/subscriptions',
      {
        description: 'security notifications',
        event_types: ['api_keys.rotated'],
        destination: { type: 'webhook', url: `${receiver.url}/hooks/security` },
      },
    );
    expect(subscription.status).toBe(201);

    const rotated = await client.request<NewApiKeyBody>('POST', '/v1/api-keys/rotate');
    expect(rotated.status).toBe(201);

    const request = await waitFor(
      'the api_keys.rotated webhook',
      () => receiver.requests.find((r) => r.path === '/hooks/security'),
      45_000,
    );
    const delivered = new Webhook(subscription.body.secret).verify(request.body, {
      'webhook-id': String(request.headers['webhook-id']),
      'webhook-timestamp': String(request.headers['webhook-timestamp']),
      'webhook-signature': String(request.headers['webhook-signature']),
    });
    const keys = (
      await operator.request<{ data: ApiKeyBody[] }>('GET', `/v1/tenants/${tenantId}/api-keys`)
    ).body.data;
    const previousExpiry = keys.find((key) => key.id === previous.id)?.expires_at;
    expect(previousExpiry).toEqual(expect.any(String));
    expect(delivered).toEqual({
      id: matching(/^evt_/),
      type: 'api_keys.rotated',
      timestamp: anyString(),
      subscription_id: subscription.body.id,
      delivery_id: request.headers['webhook-id'],
      data: {
        key_id: rotated.body.id,
        previous_key_id: previous.id,
        previous_key_expires_at: previousExpiry,
      },
    });
    expect(request.body).not.toContain(rotated.body.key);
    expect(request.body).not.toContain(rotated.body.prefix);

    // Ingest registered the type on first sight, so it is in the tenant's catalog now.
    const eventType = await client.request<{ name: string }>(
      'GET',
      '/v1/event-types/api_keys.rotated',
    );
    expect(eventType.status).toBe(200);
    expect(eventType.body.name).toBe('api_keys.rotated');

    // Both keys work during the grace period.
    expect((await client.request('GET', '/v1/subscriptions')).status).toBe(200);
    expect(
      (await client.withToken(rotated.body.key).request('GET', '/v1/subscriptions')).status,
    ).toBe(200);
  });

  it('does not tell another tenant’s subscriptions about the rotation', async () => {
    const rotating = await operator.createTenant('rotating');
    const bystander = await operator.createTenant('bystander');
    for (const [tenant, path] of [
      [rotating, '/hooks/rotating'],
      [bystander, '/hooks/bystander'],
    ] as const) {
      await tenant.client.request('POST', '/v1/subscriptions', {
        event_types: ['api_keys.*'],
        destination: { type: 'webhook', url: `${receiver.url}${path}` },
      });
    }
    await rotating.client.request('POST', '/v1/api-keys/rotate');
    await waitFor(
      'the rotating tenant’s webhook',
      () => receiver.requests.find((r) => r.path === '/hooks/rotating'),
      45_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.requests.filter((r) => r.path === '/hooks/bystander')).toHaveLength(0);
  });
});
