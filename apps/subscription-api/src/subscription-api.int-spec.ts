import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createService } from '@herald/runtime';
import { dataSourceOptions } from '@herald/persistence';
import { ApiClient, appUrl, listQueryRefusals, refusalOf, testConfig } from '@herald/testing';
import { SubscriptionApiModule } from './subscription-api.module';

type ErrorBody = {
  error: { code: string; message: string; details: { field: string; message: string }[] };
};

const webhook = (url = 'https://example.com/hooks') => ({
  event_types: ['meter_data.*'],
  destination: { type: 'webhook', url, headers: { Authorization: 'Token very-secret-value' } },
});

describe('subscription-api on a real PostgreSQL', () => {
  let app: INestApplication;
  let operator: ApiClient;
  let anonymous: ApiClient;
  let db: DataSource;
  let apiUrl: string;
  const config = testConfig();

  beforeAll(async () => {
    app = await createService('subscription-api', SubscriptionApiModule.forRoot(config), config);
    apiUrl = appUrl(app);
    operator = new ApiClient(apiUrl, config.auth.adminToken);
    anonymous = new ApiClient(apiUrl, null);
    db = await new DataSource(dataSourceOptions(config.database.url)).initialize();
  });

  afterAll(async () => {
    await db.destroy();
    await app.close();
  });

  describe('authentication', () => {
    it('serves health and metrics without credentials', async () => {
      expect(await anonymous.request('GET', '/health/live')).toEqual({
        status: 200,
        body: { status: 'ok' },
      });
      expect(await anonymous.request('GET', '/health/ready')).toEqual({
        status: 200,
        body: { status: 'ready', checks: { postgres: 'ok', kafka: 'ok' } },
      });
      expect((await anonymous.request('GET', '/health')).status).toBe(200);
      const metrics = await fetch(`${apiUrl}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('herald_http_requests_total');
    });

    it('refuses a request without a token, or with a wrong one, as 401 with an error code', async () => {
      const missing = await anonymous.request<ErrorBody>('GET', '/v1/subscriptions');
      expect(missing.status).toBe(401);
      expect(missing.body.error.code).toBe('unauthorized');
      const wrong = await anonymous
        .withToken('hk_not-a-key')
        .request<ErrorBody>('GET', '/v1/subscriptions');
      expect(wrong.status).toBe(401);
    });

    it('keeps operator routes from tenant keys and tenant routes from the operator', async () => {
      const { client } = await operator.createTenant('acme');
      expect((await client.request<ErrorBody>('GET', '/v1/tenants')).body.error.code).toBe(
        'forbidden',
      );
      expect((await client.request('POST', '/v1/tenants', { name: 'x' })).status).toBe(403);
      expect((await operator.request('GET', '/v1/subscriptions')).status).toBe(403);
    });
  });

  describe('tenants and API keys', () => {
    it('creates, gets and lists tenants with cursor pagination', async () => {
      const created = await operator.request<{ id: string; name: string }>('POST', '/v1/tenants', {
        name: 'Openvolt',
      });
      expect(created.status).toBe(201);
      expect(created.body.id).toMatch(/^ten_/);
      expect((await operator.request('GET', `/v1/tenants/${created.body.id}`)).body).toMatchObject({
        name: 'Openvolt',
      });

      await operator.request('POST', '/v1/tenants', { name: 'two' });
      const first = await operator.request<{ data: { id: string }[]; next_cursor: string | null }>(
        'GET',
        '/v1/tenants?limit=1',
      );
      expect(first.body.data).toHaveLength(1);
      expect(first.body.next_cursor).toEqual(expect.any(String));
      const second = await operator.request<{ data: { id: string }[] }>(
        'GET',
        `/v1/tenants?limit=1&cursor=${first.body.next_cursor}`,
      );
      expect(second.body.data[0].id > first.body.data[0].id).toBe(true);
    });

    it('names the bad field when a tenant is invalid', async () => {
      const missing = await operator.request<ErrorBody>('POST', '/v1/tenants', {});
      expect(missing.status).toBe(422);
      expect(missing.body.error).toMatchObject({
        code: 'validation_failed',
        details: [{ field: 'name', message: 'is required' }],
      });
      const unknown = await operator.request<ErrorBody>('POST', '/v1/tenants', {
        name: 'x',
        colour: 'red',
      });
      expect(unknown.body.error.details).toEqual([
        { field: 'colour', message: 'is not a known field' },
      ]);
      const badLimit = await operator.request<ErrorBody>('GET', '/v1/tenants?limit=1000');
      expect(badLimit.body.error.details[0].field).toBe('limit');
    });

    it.each(listQueryRefusals('status'))(
      'refuses %s on the tenant list with 422 naming it, as every list does',
      async (_name, query, answer) => {
        expect(refusalOf(await operator.request('GET', `/v1/tenants?${query}`))).toEqual(answer);
      },
    );

    it('answers 404 for a tenant that does not exist', async () => {
      expect(
        (await operator.request<ErrorBody>('GET', '/v1/tenants/ten_missing')).body.error.code,
      ).toBe('not_found');
      expect((await operator.request('POST', '/v1/tenants/ten_missing/api-keys', {})).status).toBe(
        404,
      );
    });

    it('shows an API key once and stores only its hash', async () => {
      const tenant = await operator.request<{ id: string }>('POST', '/v1/tenants', {
        name: 'hashes',
      });
      const key = await operator.request<{ key: string; prefix: string }>(
        'POST',
        `/v1/tenants/${tenant.body.id}/api-keys`,
        {
          name: 'ci',
        },
      );
      expect(key.status).toBe(201);
      expect(key.body.key).toMatch(/^hk_/);
      expect(key.body.key.startsWith(key.body.prefix)).toBe(true);
      const rows: { hash: string }[] = await db.query(
        'SELECT hash FROM api_keys WHERE tenant_id = $1',
        [tenant.body.id],
      );
      expect(JSON.stringify(rows)).not.toContain(key.body.key);
      expect(rows[0].hash).toMatch(/^[0-9a-f]{64}$/);
    });

    it('refuses malformed JSON with 400 invalid_json', async () => {
      const response = await operator.request<ErrorBody>('POST', '/v1/tenants', '{"name": ');
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('invalid_json');
    });
  });

  describe('subscriptions', () => {
    it('creates a webhook subscription, returns its secret once, and masks header values', async () => {
      const { client } = await operator.createTenant('subs');
      const created = await client.request<
        Record<string, unknown> & { id: string; secret: string }
      >('POST', '/v1/subscriptions', { ...webhook(), description: 'billing', ordering: 'strict' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        description: 'billing',
        enabled: true,
        debug: false,
        event_types: ['meter_data.*'],
        destination: {
          type: 'webhook',
          url: 'https://example.com/hooks',
          headers: { Authorization: '********' },
        },
        filter: null,
        trigger_fields: null,
        payload_fields: null,
        ordering: 'strict',
        rate_limit_per_second: null,
        max_in_flight: null,
        status: 'active',
      });
      expect(created.body.secret).toMatch(/^whsec_/);

      const fetched = await client.request<Record<string, unknown>>(
        'GET',
        `/v1/subscriptions/${created.body.id}`,
      );
      expect(fetched.body.secret).toBeUndefined();
      expect(fetched.body.destination).toEqual(created.body.destination);
    });

    it('keeps signing secrets and header values encrypted at rest', async () => {
      const { client } = await operator.createTenant('at-rest');
      const created = await client.request<{ id: string; secret: string }>(
        'POST',
        '/v1/subscriptions',
        webhook(),
      );
      const rows: unknown[] = await db.query('SELECT * FROM subscriptions WHERE id = $1', [
        created.body.id,
      ]);
      const stored = JSON.stringify(rows);
      expect(stored).not.toContain(created.body.secret.slice(6));
      expect(stored).not.toContain('very-secret-value');
    });

    it('lists only the caller’s subscriptions, a page at a time', async () => {
      const { client } = await operator.createTenant('pages');
      const other = await operator.createTenant('pages-other');
      await other.client.request('POST', '/v1/subscriptions', webhook());
      for (let i = 0; i < 3; i++)
        await client.request('POST', '/v1/subscriptions', webhook(`https://example.com/${i}`));
      const first = await client.request<{
        data: { destination: { url: string } }[];
        next_cursor: string;
      }>('GET', '/v1/subscriptions?limit=2');
      expect(first.body.data.map((s) => s.destination.url)).toEqual([
        'https://example.com/0',
        'https://example.com/1',
      ]);
      const second = await client.request<{
        data: { destination: { url: string } }[];
        next_cursor: string | null;
      }>('GET', `/v1/subscriptions?limit=2&cursor=${first.body.next_cursor}`);
      expect(second.body.data.map((s) => s.destination.url)).toEqual(['https://example.com/2']);
      expect(second.body.next_cursor).toBeNull();
    });

    it.each(listQueryRefusals('event_type'))(
      'refuses %s on the subscription list with 422 naming it, as every list does',
      async (_name, query, answer) => {
        const { client } = await operator.createTenant('list-query');
        expect(refusalOf(await client.request('GET', `/v1/subscriptions?${query}`))).toEqual(
          answer,
        );
      },
    );

    it('answers 404, leaking nothing, for another tenant’s subscription', async () => {
      const owner = await operator.createTenant('owner');
      const intruder = await operator.createTenant('intruder');
      const created = await owner.client.request<{ id: string }>(
        'POST',
        '/v1/subscriptions',
        webhook(),
      );
      const response = await intruder.client.request<ErrorBody>(
        'GET',
        `/v1/subscriptions/${created.body.id}`,
      );
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('not_found');
      expect(JSON.stringify(response.body)).not.toContain('example.com');
      const list = await intruder.client.request<{ data: unknown[] }>('GET', '/v1/subscriptions');
      expect(list.body.data).toEqual([]);
    });

    it.each([
      ['event_types missing', { destination: webhook().destination }, 'event_types', 'is required'],
      ['event_types empty', { ...webhook(), event_types: [] }, 'event_types', 'must not be empty'],
      [
        'a bad glob',
        { ...webhook(), event_types: ['meter data'] },
        'event_types[0]',
        'is not an event type or glob such as meter_data.* or *',
      ],
      ['destination missing', { event_types: ['*'] }, 'destination', 'is required'],
      [
        'an unknown destination type',
        { event_types: ['*'], destination: { type: 'pigeon', url: 'https://x.y' } },
        'destination.type',
        'must be one of webhook, email, sqs, oauth2_webhook',
      ],
      [
        'a relative url',
        { event_types: ['*'], destination: { type: 'webhook', url: '/hooks' } },
        'destination.url',
        'must be an absolute URL',
      ],
      [
        'an ftp url',
        { event_types: ['*'], destination: { type: 'webhook', url: 'ftp://x.y/z' } },
        'destination.url',
        'must be an http or https URL',
      ],
      [
        'a reserved header',
        {
          event_types: ['*'],
          destination: { type: 'webhook', url: 'https://x.y', headers: { 'webhook-id': 'x' } },
        },
        'destination.headers.webhook-id',
        'is set by Herald and cannot be overridden',
      ],
      [
        'headers as JSON text with a value that is not a string',
        {
          event_types: ['*'],
          destination: { type: 'webhook', url: 'https://x.y', headers: '{"X-Count": 5}' },
        },
        'destination.headers.X-Count',
        'must be a single-line string of at most 4096 characters',
      ],
      [
        'headers as JSON text holding a NUL',
        {
          event_types: ['*'],
          destination: { type: 'webhook', url: 'https://x.y', headers: '{"X-A": "a\\u0000b"}' },
        },
        'destination.headers',
        'holds JSON where destination.headers.X-A holds a NUL character (\\u0000), which Herald cannot store',
      ],
      [
        'a bad ordering',
        { ...webhook(), ordering: 'chaos' },
        'ordering',
        'must be one of best_effort, strict',
      ],
      [
        'a zero rate limit',
        { ...webhook(), rate_limit_per_second: 0 },
        'rate_limit_per_second',
        'must be an integer from 1 to 100000',
      ],
      [
        'a window too wide',
        { ...webhook(), max_in_flight: 129 },
        'max_in_flight',
        'must be an integer from 1 to 128',
      ],
      ['an unknown field', { ...webhook(), colour: 'red' }, 'colour', 'is not a known field'],
      [
        'a filter with an unknown operator',
        { ...webhook(), filter: { 'data.nodeId': { $regex: '1' } } },
        'filter.data.nodeId.$regex',
        'is not an operator; use one of $eq, $ne, $in, $nin, $exists, $glob, $gt, $gte, $lt, $lte',
      ],
      [
        'a filter path outside subject, type and data',
        { ...webhook(), filter: { nodeId: 1 } },
        'filter.nodeId',
        'must be subject, type, or data followed by dotted keys',
      ],
      [
        'a trigger field that is not a path',
        { ...webhook(), trigger_fields: ['project address'] },
        'trigger_fields[0]',
        'must be a dotted path such as project.address, or model.*',
      ],
    ])('refuses %s with 422 naming the field', async (_name, body, field, message) => {
      const { client } = await operator.createTenant('validation');
      const response = await client.request<ErrorBody>('POST', '/v1/subscriptions', body);
      expect(response.status).toBe(422);
      expect(response.body.error.code).toBe('validation_failed');
      expect(response.body.error.details).toContainEqual({ field, message });
    });
  });

  describe('changing, deleting and the signing secret', () => {
    it('stores a SolarNetwork-style filter and the OpenSolar field lists as given', async () => {
      const { client } = await operator.createTenant('filters');
      const filter = { 'data.nodeId': { $in: [1, 2] }, 'data.sourceId': { $glob: '/test/**' } };
      const created = await client.request<Record<string, unknown>>('POST', '/v1/subscriptions', {
        ...webhook(),
        filter,
        trigger_fields: ['project.address', 'contact.*'],
        payload_fields: ['project.id', 'project.systems.modules'],
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        filter,
        trigger_fields: ['project.address', 'contact.*'],
        payload_fields: ['project.id', 'project.systems.modules'],
      });
    });

    it('patches only the fields given and validates them by name', async () => {
      const { client } = await operator.createTenant('patch');
      const created = await client.request<{ id: string }>('POST', '/v1/subscriptions', {
        ...webhook(),
        description: 'before',
      });
      const patched = await client.request<Record<string, unknown>>(
        'PATCH',
        `/v1/subscriptions/${created.body.id}`,
        {
          description: 'after',
          event_types: ['user.*', 'customer.created'],
          enabled: false,
          max_in_flight: 8,
        },
      );
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({
        description: 'after',
        event_types: ['user.*', 'customer.created'],
        enabled: false,
        max_in_flight: 8,
        destination: { url: 'https://example.com/hooks', headers: { Authorization: '********' } },
      });
      const invalid = await client.request<ErrorBody>(
        'PATCH',
        `/v1/subscriptions/${created.body.id}`,
        {
          event_types: [],
          enabled: 'yes',
        },
      );
      expect(invalid.status).toBe(422);
      expect(invalid.body.error.details).toEqual(
        expect.arrayContaining([
          { field: 'event_types', message: 'must not be empty' },
          { field: 'enabled', message: 'must be true or false' },
        ]),
      );
    });

    it('keeps a header value that comes back masked, and replaces one that is new', async () => {
      const { client } = await operator.createTenant('masked');
      const created = await client.request<{ id: string }>('POST', '/v1/subscriptions', webhook());
      await client.request('PATCH', `/v1/subscriptions/${created.body.id}`, {
        destination: {
          type: 'webhook',
          url: 'https://example.com/v2',
          headers: { Authorization: '********', 'X-Extra': 'new-value' },
        },
      });
      const rows: { destination_secrets: string }[] = await db.query(
        'SELECT destination_secrets FROM subscriptions WHERE id = $1',
        [created.body.id],
      );
      expect(rows[0].destination_secrets).not.toContain('new-value');
      const { decryptSecret } = await import('@herald/domain');
      expect(
        JSON.parse(decryptSecret(config.secrets.encryptionKey, rows[0].destination_secrets)),
      ).toEqual({
        headers: { Authorization: 'Token very-secret-value', 'X-Extra': 'new-value' },
      });
    });

    it('takes headers as a string holding JSON, as OpenSolar sends them, and keeps the object', async () => {
      const { client } = await operator.createTenant('headers-text');
      const storedHeaders = async (id: string): Promise<unknown> => {
        const rows: { destination_secrets: string }[] = await db.query(
          'SELECT destination_secrets FROM subscriptions WHERE id = $1',
          [id],
        );
        const { decryptSecret } = await import('@herald/domain');
        return (
          JSON.parse(decryptSecret(config.secrets.encryptionKey, rows[0].destination_secrets)) as {
            headers: unknown;
          }
        ).headers;
      };
      const created = await client.request<{ id: string; destination: unknown }>(
        'POST',
        '/v1/subscriptions',
        {
          event_types: ['project.*'],
          destination: {
            type: 'webhook',
            url: 'https://somesolar.com/api/',
            headers: '{"Authorization": "Token <your-token>"}',
          },
        },
      );
      expect(created.status).toBe(201);
      expect(created.body.destination).toEqual({
        type: 'webhook',
        url: 'https://somesolar.com/api/',
        headers: { Authorization: '********' },
      });
      expect(await storedHeaders(created.body.id)).toEqual({ Authorization: 'Token <your-token>' });

      const patched = await client.request<{ destination: unknown }>(
        'PATCH',
        `/v1/subscriptions/${created.body.id}`,
        {
          destination: {
            type: 'webhook',
            url: 'https://somesolar.com/api/',
            headers: '{"Authorization": "********", "X-Org": "42"}',
          },
        },
      );
      expect(patched.status).toBe(200);
      expect(patched.body.destination).toEqual({
        type: 'webhook',
        url: 'https://somesolar.com/api/',
        headers: { Authorization: '********', 'X-Org': '********' },
      });
      expect(await storedHeaders(created.body.id)).toEqual({
        Authorization: 'Token <your-token>',
        'X-Org': '42',
      });

      const refused = await client.request<ErrorBody>(
        'PATCH',
        `/v1/subscriptions/${created.body.id}`,
        { destination: { type: 'webhook', url: 'https://x.y', headers: 'Token abc' } },
      );
      expect(refused.status).toBe(422);
      expect(refused.body.error).toMatchObject({
        code: 'validation_failed',
        details: [
          {
            field: 'destination.headers',
            message:
              'must be an object of header names to string values, or a string holding one as JSON',
          },
        ],
      });
      expect(await storedHeaders(created.body.id)).toEqual({
        Authorization: 'Token <your-token>',
        'X-Org': '42',
      });
    });

    it.each([
      ['text that is not JSON', 'Authorization: Token abc'],
      ['JSON text of a list', '["Token abc"]'],
      ['JSON text of a string', '"Token abc"'],
      ['a number', 42],
      ['a list', ['Authorization', 'Token abc']],
    ])('refuses headers as %s with 422 naming destination.headers', async (_name, headers) => {
      const { client } = await operator.createTenant('headers-validation');
      const response = await client.request<ErrorBody>('POST', '/v1/subscriptions', {
        event_types: ['*'],
        destination: { type: 'webhook', url: 'https://x.y', headers },
      });
      expect(response.status).toBe(422);
      expect(response.body.error).toEqual({
        code: 'validation_failed',
        message: expect.stringContaining('destination.headers must be an object') as string,
        details: [
          {
            field: 'destination.headers',
            message:
              'must be an object of header names to string values, or a string holding one as JSON',
          },
        ],
      });
    });

    it('deletes a subscription: 204, then 404, and gone from the list', async () => {
      const { client } = await operator.createTenant('delete');
      const created = await client.request<{ id: string }>('POST', '/v1/subscriptions', webhook());
      expect((await client.request('DELETE', `/v1/subscriptions/${created.body.id}`)).status).toBe(
        204,
      );
      expect((await client.request('GET', `/v1/subscriptions/${created.body.id}`)).status).toBe(
        404,
      );
      expect((await client.request('DELETE', `/v1/subscriptions/${created.body.id}`)).status).toBe(
        404,
      );
      expect(
        (await client.request<{ data: unknown[] }>('GET', '/v1/subscriptions')).body.data,
      ).toEqual([]);
    });

    it('reveals the signing secret and rotates it', async () => {
      const { client } = await operator.createTenant('secret');
      const created = await client.request<{ id: string; secret: string }>(
        'POST',
        '/v1/subscriptions',
        webhook(),
      );
      const revealed = await client.request<{ secret: string }>(
        'GET',
        `/v1/subscriptions/${created.body.id}/secret`,
      );
      expect(revealed.body).toEqual({ secret: created.body.secret });

      const before = Date.now();
      const rotated = await client.request<{ secret: string; previous_secret_expires_at: string }>(
        'POST',
        `/v1/subscriptions/${created.body.id}/secret/rotate`,
        { overlap_seconds: 3600 },
      );
      expect(rotated.status).toBe(200);
      expect(rotated.body.secret).toMatch(/^whsec_/);
      expect(rotated.body.secret).not.toBe(created.body.secret);
      const overlap = Date.parse(rotated.body.previous_secret_expires_at) - before;
      expect(overlap).toBeGreaterThan(3_590_000);
      expect(overlap).toBeLessThan(3_700_000);
      expect(
        (
          await client.request<{ secret: string }>(
            'GET',
            `/v1/subscriptions/${created.body.id}/secret`,
          )
        ).body,
      ).toEqual({
        secret: rotated.body.secret,
      });
      const bad = await client.request<ErrorBody>(
        'POST',
        `/v1/subscriptions/${created.body.id}/secret/rotate`,
        {
          overlap_seconds: -1,
        },
      );
      expect(bad.body.error.details[0].field).toBe('overlap_seconds');
    });

    it('answers 404 for every route with another tenant’s subscription, and changes nothing', async () => {
      const owner = await operator.createTenant('owner-2');
      const intruder = await operator.createTenant('intruder-2');
      const created = await owner.client.request<{ id: string; secret: string }>(
        'POST',
        '/v1/subscriptions',
        webhook(),
      );
      const id = created.body.id;
      const attempts = [
        await intruder.client.request<ErrorBody>('PATCH', `/v1/subscriptions/${id}`, {
          description: 'pwned',
        }),
        await intruder.client.request<ErrorBody>('DELETE', `/v1/subscriptions/${id}`),
        await intruder.client.request<ErrorBody>('GET', `/v1/subscriptions/${id}/secret`),
        await intruder.client.request<ErrorBody>(
          'POST',
          `/v1/subscriptions/${id}/secret/rotate`,
          {},
        ),
      ];
      for (const response of attempts) {
        expect(response.status).toBe(404);
        expect(JSON.stringify(response.body)).not.toContain('whsec_');
      }
      const after = await owner.client.request<{ description: string }>(
        'GET',
        `/v1/subscriptions/${id}`,
      );
      expect(after.body.description).toBe('');
      expect(
        (await owner.client.request<{ secret: string }>('GET', `/v1/subscriptions/${id}/secret`))
          .body.secret,
      ).toBe(created.body.secret);
    });
  });
});
