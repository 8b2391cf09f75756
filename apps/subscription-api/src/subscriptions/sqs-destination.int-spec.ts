import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SubscriptionsRepository } from '@herald/persistence';
import { createService } from '@herald/runtime';
import { ApiClient, testConfig, appUrl } from '@herald/testing';
import { SubscriptionApiModule } from '../subscription-api.module';

type ErrorBody = {
  error: { code: string; message: string; details: { field: string; message: string }[] };
};
type SubscriptionBody = { id: string; destination: Record<string, unknown> };

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const sqs = (destination: Record<string, unknown>) => ({
  event_types: ['meter_data.*'],
  destination: { type: 'sqs', ...destination },
});
const withKeys = {
  region: 'eu-west-1',
  queue_name: 'billing-events',
  access_key_id: 'AKIAIOSFODNN7EXAMPLE',
  secret_access_key: SECRET,
};

describe('sqs destinations in the subscription API', () => {
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

  async function storedDestination(tenantId: string, id: string) {
    const target = await app.get(SubscriptionsRepository).getDeliveryTarget(tenantId, id);
    if (!target || target.opened instanceof Error) return undefined;
    return target.opened.subscription.destination;
  }

  it('creates an sqs destination, masking the secret key in every answer and sealing it at rest', async () => {
    const { tenantId, client } = await operator.createTenant('sqs-create');
    const created = await client.request<SubscriptionBody>(
      'POST',
      '/v1/subscriptions',
      sqs(withKeys),
    );
    expect(created.status).toBe(201);
    const shown = {
      type: 'sqs',
      region: 'eu-west-1',
      queue_name: 'billing-events',
      queue_url: null,
      access_key_id: 'AKIAIOSFODNN7EXAMPLE',
      secret_access_key: '********',
      endpoint_url: null,
    };
    expect(created.body.destination).toEqual(shown);
    const read = await client.request<SubscriptionBody>(
      'GET',
      `/v1/subscriptions/${created.body.id}`,
    );
    expect(read.body.destination).toEqual(shown);
    const list = await client.request<{ data: SubscriptionBody[] }>('GET', '/v1/subscriptions');
    expect(list.body.data.map((s) => s.destination)).toEqual([shown]);

    expect(await storedDestination(tenantId, created.body.id)).toEqual({
      type: 'sqs',
      region: 'eu-west-1',
      queueName: 'billing-events',
      queueUrl: null,
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: SECRET,
      endpointUrl: null,
    });
    const rows: { row: string }[] = await app
      .get(DataSource)
      .query('SELECT row_to_json(s)::text AS row FROM subscriptions s WHERE id = $1', [
        created.body.id,
      ]);
    expect(rows[0].row).toContain('AKIAIOSFODNN7EXAMPLE');
    expect(rows[0].row).not.toContain(SECRET);
  });

  it('accepts a queue URL with an endpoint and no keys (the default credential chain)', async () => {
    const { client } = await operator.createTenant('sqs-url');
    const destination = {
      region: 'us-east-1',
      queue_url: 'https://sqs.us-east-1.amazonaws.com/123456789012/orders.fifo',
      endpoint_url: 'https://vpce-0abc.sqs.us-east-1.vpce.amazonaws.com',
    };
    const created = await client.request<SubscriptionBody>(
      'POST',
      '/v1/subscriptions',
      sqs(destination),
    );
    expect(created.status).toBe(201);
    expect(created.body.destination).toEqual({
      type: 'sqs',
      queue_name: null,
      access_key_id: null,
      secret_access_key: null,
      ...destination,
    });
  });

  it('marks a FIFO queue, by URL or by name, in what the deliverer reads (one delivery at a time)', async () => {
    const { tenantId, client } = await operator.createTenant('sqs-fifo-target');
    const created = await Promise.all(
      [
        { region: 'us-east-1', queue_url: 'https://sqs.us-east-1.amazonaws.com/1/orders.fifo' },
        { region: 'us-east-1', queue_name: 'orders.fifo' },
        { region: 'us-east-1', queue_name: 'orders' },
      ].map((destination) =>
        client.request<SubscriptionBody>('POST', '/v1/subscriptions', sqs(destination)),
      ),
    );
    const repository = app.get(SubscriptionsRepository);
    const fifo = await Promise.all(
      created.map(
        async ({ body }) => (await repository.getDeliveryTarget(tenantId, body.id))?.fifo,
      ),
    );
    expect(fifo).toEqual([true, true, false]);
  });

  it('keeps the stored secret key when an update sends back the mask, and replaces it otherwise', async () => {
    const { tenantId, client } = await operator.createTenant('sqs-patch');
    const created = await client.request<SubscriptionBody>(
      'POST',
      '/v1/subscriptions',
      sqs(withKeys),
    );
    const path = `/v1/subscriptions/${created.body.id}`;

    const read = await client.request<SubscriptionBody>('GET', path);
    const renamed = { ...read.body.destination, queue_name: 'billing-events-v2' };
    const patched = await client.request<SubscriptionBody>('PATCH', path, { destination: renamed });
    expect(patched.status).toBe(200);
    expect(patched.body.destination).toEqual(renamed);
    expect(await storedDestination(tenantId, created.body.id)).toMatchObject({
      queueName: 'billing-events-v2',
      secretAccessKey: SECRET,
    });

    const rotated = await client.request<SubscriptionBody>('PATCH', path, {
      destination: { ...renamed, secret_access_key: 'a-new-secret' },
    });
    expect(rotated.body.destination.secret_access_key).toBe('********');
    expect(await storedDestination(tenantId, created.body.id)).toMatchObject({
      secretAccessKey: 'a-new-secret',
    });

    const keyless = await client.request<SubscriptionBody>('PATCH', path, {
      destination: { type: 'sqs', region: 'eu-west-1', queue_name: 'billing-events-v2' },
    });
    expect(keyless.body.destination).toMatchObject({
      access_key_id: null,
      secret_access_key: null,
    });
    expect(await storedDestination(tenantId, created.body.id)).toMatchObject({
      accessKeyId: null,
      secretAccessKey: null,
    });
  });

  it.each([
    ['no region', { queue_name: 'q' }, [{ field: 'destination.region', message: 'is required' }]],
    [
      'a region that is not one',
      { region: 'eu-west-1.evil.test/', queue_name: 'q' },
      [{ field: 'destination.region', message: 'must be an AWS region such as eu-west-1' }],
    ],
    [
      'neither queue_name nor queue_url',
      { region: 'eu-west-1' },
      [{ field: 'destination.queue_name', message: 'is required unless queue_url is given' }],
    ],
    [
      'both queue_name and queue_url',
      {
        region: 'eu-west-1',
        queue_name: 'q',
        queue_url: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q',
      },
      [
        {
          field: 'destination.queue_url',
          message: 'must not be given with queue_name; give one of them',
        },
      ],
    ],
    [
      'a bad queue name',
      { region: 'eu-west-1', queue_name: 'billing events' },
      [
        {
          field: 'destination.queue_name',
          message:
            'must be 1 to 80 letters, digits, hyphens or underscores, ending in .fifo for a FIFO queue',
        },
      ],
    ],
    [
      'a queue name over 80 characters',
      { region: 'eu-west-1', queue_name: 'q'.repeat(81) },
      [{ field: 'destination.queue_name', message: 'must be at most 80 characters' }],
    ],
    [
      'a relative queue URL',
      { region: 'eu-west-1', queue_url: '/123456789012/q' },
      [{ field: 'destination.queue_url', message: 'must be an absolute URL' }],
    ],
    [
      'an ftp endpoint',
      { region: 'eu-west-1', queue_name: 'q', endpoint_url: 'ftp://sqs.example.com' },
      [{ field: 'destination.endpoint_url', message: 'must be an http or https URL' }],
    ],
    [
      'an endpoint with credentials',
      { region: 'eu-west-1', queue_name: 'q', endpoint_url: 'https://user:pw@sqs.example.com' },
      [{ field: 'destination.endpoint_url', message: 'must not carry credentials' }],
    ],
    [
      'a key id without its secret',
      { region: 'eu-west-1', queue_name: 'q', access_key_id: 'AKIAIOSFODNN7EXAMPLE' },
      [{ field: 'destination.secret_access_key', message: 'is required with access_key_id' }],
    ],
    [
      'a secret without its key id',
      { region: 'eu-west-1', queue_name: 'q', secret_access_key: SECRET },
      [{ field: 'destination.access_key_id', message: 'is required with secret_access_key' }],
    ],
    [
      'a key id that is not one',
      { ...withKeys, access_key_id: 'AKIA EXAMPLE' },
      [
        {
          field: 'destination.access_key_id',
          message: 'must be an AWS access key id (letters and digits)',
        },
      ],
    ],
    [
      'an empty secret',
      { ...withKeys, secret_access_key: '' },
      [{ field: 'destination.secret_access_key', message: 'must not be empty' }],
    ],
    [
      'unknown fields',
      { ...withKeys, url: 'https://example.com', queue: 'q' },
      [
        { field: 'destination.url', message: 'is not a known field' },
        { field: 'destination.queue', message: 'is not a known field' },
      ],
    ],
  ])('refuses a destination with %s, naming each bad field', async (_, destination, details) => {
    const { client } = await operator.createTenant('sqs-invalid');
    const response = await client.request<ErrorBody>('POST', '/v1/subscriptions', sqs(destination));
    expect(response.status).toBe(422);
    expect(response.body.error.code).toBe('validation_failed');
    expect(response.body.error.details).toEqual(details);
  });

  it('answers 404 for another tenant’s sqs subscription without leaking its settings', async () => {
    const owner = await operator.createTenant('sqs-owner');
    const other = await operator.createTenant('sqs-other');
    const created = await owner.client.request<SubscriptionBody>(
      'POST',
      '/v1/subscriptions',
      sqs(withKeys),
    );
    const read = await other.client.request('GET', `/v1/subscriptions/${created.body.id}`);
    expect(read.status).toBe(404);
    expect(JSON.stringify(read.body)).not.toContain('billing-events');
    expect(JSON.stringify(read.body)).not.toContain('AKIAIOSFODNN7EXAMPLE');
  });
});
