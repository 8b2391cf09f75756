import type { INestApplication } from '@nestjs/common';
import { createService } from '@herald/runtime';
import { ApiClient, testConfig, appUrl } from '@herald/testing';
import { SubscriptionApiModule } from '../subscription-api.module';

type ErrorBody = {
  error: { code: string; message: string; details: { field: string; message: string }[] };
};
type SubscriptionBody = { id: string; destination: { type: string; to: string[] } };

const email = (destination: Record<string, unknown>) => ({
  event_types: ['api_keys.rotated'],
  destination: { type: 'email', ...destination },
});

describe('email destinations in the subscription API', () => {
  let app: INestApplication;
  let operator: ApiClient;
  const config = testConfig();

  beforeAll(async () => {
    app = await createService('subscription-api', SubscriptionApiModule.forRoot(config), config);
    const url = appUrl(app);
    operator = new ApiClient(url, config.auth.adminToken);
  });

  afterAll(async () => {
    await app.close();
  });

  it('creates, reads and replaces an email destination', async () => {
    const { client } = await operator.createTenant('email-happy');
    const created = await client.request<SubscriptionBody>(
      'POST',
      '/v1/subscriptions',
      email({ to: ['csm@openvolt.test', 'First.Last+herald@sub.example.co.uk'] }),
    );
    expect(created.status).toBe(201);
    expect(created.body.destination).toEqual({
      type: 'email',
      to: ['csm@openvolt.test', 'First.Last+herald@sub.example.co.uk'],
    });
    const read = await client.request<SubscriptionBody>(
      'GET',
      `/v1/subscriptions/${created.body.id}`,
    );
    expect(read.body.destination).toEqual(created.body.destination);
    const updated = await client.request<SubscriptionBody>(
      'PATCH',
      `/v1/subscriptions/${created.body.id}`,
      { destination: { type: 'email', to: ['ops@openvolt.test'] } },
    );
    expect(updated.status).toBe(200);
    expect(updated.body.destination).toEqual({ type: 'email', to: ['ops@openvolt.test'] });
  });

  it('accepts 50 recipients and an address of 254 characters', async () => {
    const { client } = await operator.createTenant('email-limits');
    const longest = `${'a'.repeat(64)}@${'b'.repeat(184)}.test`;
    expect(longest).toHaveLength(254);
    const fifty = Array.from({ length: 49 }, (_, i) => `user${i}@openvolt.test`);
    const created = await client.request<SubscriptionBody>(
      'POST',
      '/v1/subscriptions',
      email({ to: [...fifty, longest] }),
    );
    expect(created.status).toBe(201);
    expect(created.body.destination.to).toHaveLength(50);
  });

  it.each([
    ['missing', {}, [{ field: 'destination.to', message: 'is required' }]],
    ['null', { to: null }, [{ field: 'destination.to', message: 'must be an array of strings' }]],
    ['empty', { to: [] }, [{ field: 'destination.to', message: 'must not be empty' }]],
    [
      'a string',
      { to: 'ops@openvolt.test' },
      [{ field: 'destination.to', message: 'must be an array of strings' }],
    ],
    [
      'over 50 addresses',
      { to: Array.from({ length: 51 }, (_, i) => `user${i}@openvolt.test`) },
      [{ field: 'destination.to', message: 'must have at most 50 entries' }],
    ],
    [
      'bad addresses',
      {
        to: [
          'ops@openvolt.test',
          'no-at-sign',
          'two@@openvolt.test',
          'a@b@openvolt.test',
          'with space@openvolt.test',
          '@openvolt.test',
          'ops@',
          'Ops <ops@openvolt.test>',
          `${'a'.repeat(64)}@${'b'.repeat(185)}.test`,
        ],
      },
      [1, 2, 3, 4, 5, 6, 7]
        .map((index) => ({
          field: `destination.to[${index}]`,
          message: 'must be an email address such as ops@example.com',
        }))
        .concat([{ field: 'destination.to[8]', message: 'must be at most 254 characters' }]),
    ],
    [
      'unknown fields',
      { to: ['ops@openvolt.test'], url: 'https://example.com', cc: ['x@openvolt.test'] },
      [
        { field: 'destination.url', message: 'is not a known field' },
        { field: 'destination.cc', message: 'is not a known field' },
      ],
    ],
  ])(
    'refuses a destination whose to is %s, naming each bad field',
    async (_, destination, details) => {
      const { client } = await operator.createTenant('email-invalid');
      const response = await client.request<ErrorBody>(
        'POST',
        '/v1/subscriptions',
        email(destination),
      );
      expect(response.status).toBe(422);
      expect(response.body.error.code).toBe('validation_failed');
      expect(response.body.error.details).toEqual(details);
    },
  );

  it('refuses a bad email destination on update too', async () => {
    const { client } = await operator.createTenant('email-invalid-update');
    const created = await client.request<SubscriptionBody>(
      'POST',
      '/v1/subscriptions',
      email({ to: ['ops@openvolt.test'] }),
    );
    const response = await client.request<ErrorBody>(
      'PATCH',
      `/v1/subscriptions/${created.body.id}`,
      { destination: { type: 'email', to: ['nobody'] } },
    );
    expect(response.status).toBe(422);
    expect(response.body.error.details).toEqual([
      { field: 'destination.to[0]', message: 'must be an email address such as ops@example.com' },
    ]);
  });

  it('answers 404 for another tenant’s email subscription without leaking its recipients', async () => {
    const owner = await operator.createTenant('email-owner');
    const other = await operator.createTenant('email-other');
    const created = await owner.client.request<SubscriptionBody>(
      'POST',
      '/v1/subscriptions',
      email({ to: ['secret-recipient@openvolt.test'] }),
    );
    const read = await other.client.request('GET', `/v1/subscriptions/${created.body.id}`);
    expect(read.status).toBe(404);
    expect(JSON.stringify(read.body)).not.toContain('secret-recipient');
    const patched = await other.client.request('PATCH', `/v1/subscriptions/${created.body.id}`, {
      destination: { type: 'email', to: ['thief@openvolt.test'] },
    });
    expect(patched.status).toBe(404);
    const unchanged = await owner.client.request<SubscriptionBody>(
      'GET',
      `/v1/subscriptions/${created.body.id}`,
    );
    expect(unchanged.body.destination.to).toEqual(['secret-recipient@openvolt.test']);
  });
});
