import type { INestApplication } from '@nestjs/common';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { createService } from '@herald/runtime';
import {
  ApiClient,
  appUrl,
  listQueryRefusals,
  refusalOf,
  testConfig,
  waitFor,
} from '@herald/testing';
import { SubscriptionApiModule } from '../subscription-api.module';

/** Typed asymmetric matchers, so object literals in `toEqual` stay free of `any`. */
const anyString = (): string => expect.any(String) as string;
const matching = (pattern: RegExp): string => expect.stringMatching(pattern) as string;

type ErrorBody = {
  error: { code: string; message: string; details: { field: string; message: string }[] };
};
type ApiKeyBody = {
  id: string;
  tenant_id: string;
  name: string;
  prefix: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
};
type NewApiKeyBody = ApiKeyBody & { key: string };
type PageBody = { data: ApiKeyBody[]; next_cursor: string | null };

async function startApi(
  overrides: Record<string, string> = {},
): Promise<{ app: INestApplication; operator: ApiClient }> {
  const config = testConfig(overrides);
  const app = await createService(
    'subscription-api',
    SubscriptionApiModule.forRoot(config),
    config,
  );
  const url = appUrl(app);
  return { app, operator: new ApiClient(url, config.auth.adminToken) };
}

const works = async (client: ApiClient): Promise<number> =>
  (await client.request('GET', '/v1/subscriptions')).status;

describe('API keys on a real PostgreSQL and Kafka', () => {
  let app: INestApplication;
  let operator: ApiClient;

  beforeAll(async () => {
    ({ app, operator } = await startApi());
  });

  afterAll(async () => {
    await app.close();
  });

  describe('listing (operator)', () => {
    it('lists a tenant’s keys a page at a time, never the key or its hash', async () => {
      const { tenantId, apiKey } = await operator.createTenant('list');
      const second = await operator.request<NewApiKeyBody>(
        'POST',
        `/v1/tenants/${tenantId}/api-keys`,
        { name: 'ci' },
      );
      const first = await operator.request<PageBody>(
        'GET',
        `/v1/tenants/${tenantId}/api-keys?limit=1`,
      );
      expect(first.status).toBe(200);
      expect(first.body.data).toHaveLength(1);
      expect(first.body.data[0]).toEqual({
        id: matching(/^key_/),
        tenant_id: tenantId,
        name: 'test',
        prefix: apiKey.slice(0, 10),
        created_at: anyString(),
        expires_at: null,
        revoked_at: null,
      });
      const next = await operator.request<PageBody>(
        'GET',
        `/v1/tenants/${tenantId}/api-keys?limit=1&cursor=${first.body.next_cursor}`,
      );
      expect(next.body.data.map((key) => key.id)).toEqual([second.body.id]);
      expect(next.body.next_cursor).toBeNull();
      const text = JSON.stringify([first.body, next.body]);
      expect(text).not.toContain(apiKey);
      expect(text).not.toContain(second.body.key);
      expect(text).not.toContain('hash');
    });

    it('answers 404 for a tenant that does not exist, and 422 naming a bad limit', async () => {
      const missing = await operator.request<ErrorBody>('GET', '/v1/tenants/ten_missing/api-keys');
      expect(missing.status).toBe(404);
      expect(missing.body.error.code).toBe('not_found');
      const { tenantId } = await operator.createTenant('bad-limit');
      const badLimit = await operator.request<ErrorBody>(
        'GET',
        `/v1/tenants/${tenantId}/api-keys?limit=500`,
      );
      expect(badLimit.status).toBe(422);
      expect(badLimit.body.error.details).toEqual([
        { field: 'limit', message: 'must be an integer from 1 to 100' },
      ]);
      const badCursor = await operator.request<ErrorBody>(
        'GET',
        `/v1/tenants/${tenantId}/api-keys?cursor=garbage`,
      );
      expect(badCursor.body.error.details[0].field).toBe('cursor');
    });

    it.each(listQueryRefusals('revoked'))(
      'refuses %s on the key list with 422 naming it, as every list does',
      async (_name, query, answer) => {
        const { tenantId } = await operator.createTenant('list-query');
        const path = `/v1/tenants/${tenantId}/api-keys?${query}`;
        expect(refusalOf(await operator.request('GET', path))).toEqual(answer);
      },
    );

    it('lists only the tenant’s own keys', async () => {
      const one = await operator.createTenant('one');
      await operator.createTenant('two');
      const list = await operator.request<PageBody>('GET', `/v1/tenants/${one.tenantId}/api-keys`);
      expect(list.body.data.map((key) => key.tenant_id)).toEqual([one.tenantId]);
    });

    it('is an operator route: a tenant key gets 403', async () => {
      const { tenantId, client } = await operator.createTenant('forbidden');
      expect((await client.request('GET', `/v1/tenants/${tenantId}/api-keys`)).status).toBe(403);
      const [key] = (await operator.request<PageBody>('GET', `/v1/tenants/${tenantId}/api-keys`))
        .body.data;
      expect(
        (await client.request('DELETE', `/v1/tenants/${tenantId}/api-keys/${key.id}`)).status,
      ).toBe(403);
    });
  });

  describe('revoking (operator)', () => {
    it('revokes a key with 204, after which the key answers 401', async () => {
      const { tenantId, client } = await operator.createTenant('revoke');
      expect(await works(client)).toBe(200);
      const [key] = (await operator.request<PageBody>('GET', `/v1/tenants/${tenantId}/api-keys`))
        .body.data;
      const revoked = await operator.request(
        'DELETE',
        `/v1/tenants/${tenantId}/api-keys/${key.id}`,
      );
      expect(revoked).toEqual({ status: 204, body: null });
      const refused = await client.request<ErrorBody>('GET', '/v1/subscriptions');
      expect(refused.status).toBe(401);
      expect(refused.body.error.code).toBe('unauthorized');

      const listed = await operator.request<PageBody>('GET', `/v1/tenants/${tenantId}/api-keys`);
      expect(listed.body.data[0].revoked_at).toEqual(expect.any(String));
      expect(
        (await operator.request('DELETE', `/v1/tenants/${tenantId}/api-keys/${key.id}`)).status,
      ).toBe(204);
      const again = await operator.request<PageBody>('GET', `/v1/tenants/${tenantId}/api-keys`);
      expect(again.body.data[0].revoked_at).toBe(listed.body.data[0].revoked_at);
    });

    it('answers 404 for a key that does not exist, or a tenant that does not', async () => {
      const { tenantId } = await operator.createTenant('revoke-missing');
      const missing = await operator.request<ErrorBody>(
        'DELETE',
        `/v1/tenants/${tenantId}/api-keys/key_missing`,
      );
      expect(missing.status).toBe(404);
      expect(missing.body.error.code).toBe('not_found');
      expect(
        (await operator.request('DELETE', '/v1/tenants/ten_missing/api-keys/key_missing')).status,
      ).toBe(404);
    });

    it('answers 404 for another tenant’s key, leaking nothing, and leaves that key working', async () => {
      const owner = await operator.createTenant('owner');
      const other = await operator.createTenant('other');
      const [key] = (
        await operator.request<PageBody>('GET', `/v1/tenants/${owner.tenantId}/api-keys`)
      ).body.data;
      const response = await operator.request<ErrorBody>(
        'DELETE',
        `/v1/tenants/${other.tenantId}/api-keys/${key.id}`,
      );
      expect(response.status).toBe(404);
      expect(JSON.stringify(response.body)).not.toContain(owner.tenantId);
      expect(JSON.stringify(response.body)).not.toContain(key.prefix);
      expect(await works(owner.client)).toBe(200);
    });
  });

  describe('rotating (tenant)', () => {
    const kafka = new Kafka({
      clientId: 'api-keys-int-spec',
      brokers: (process.env.KAFKA_BROKERS ?? '').split(','),
      logLevel: logLevel.NOTHING,
    });
    let consumer: Consumer;
    const inbound: { key: string | null; value: Record<string, unknown> }[] = [];

    beforeAll(async () => {
      consumer = kafka.consumer({ groupId: `api-keys-int-spec-${Date.now()}` });
      await consumer.connect();
      await consumer.subscribe({ topic: 'herald.events.inbound', fromBeginning: true });
      await consumer.run({
        eachMessage: ({ message }) => {
          try {
            inbound.push({
              key: message.key?.toString() ?? null,
              value: JSON.parse(String(message.value)) as Record<string, unknown>,
            });
          } catch {
            // Other suites publish deliberately malformed events to this topic.
          }
          return Promise.resolve();
        },
      });
    });

    afterAll(async () => {
      await consumer.disconnect();
    });

    it('returns a new key once and keeps the calling key working for the grace period', async () => {
      const { tenantId, apiKey, client } = await operator.createTenant('rotate');
      const [previous] = (
        await operator.request<PageBody>('GET', `/v1/tenants/${tenantId}/api-keys`)
      ).body.data;
      const before = Date.now();
      const rotated = await client.request<NewApiKeyBody>('POST', '/v1/api-keys/rotate');
      expect(rotated.status).toBe(201);
      expect(rotated.body).toEqual({
        id: matching(/^key_/),
        tenant_id: tenantId,
        name: 'test',
        prefix: rotated.body.key.slice(0, 10),
        created_at: anyString(),
        expires_at: null,
        revoked_at: null,
        key: matching(/^hk_/),
      });
      expect(rotated.body.key).not.toBe(apiKey);
      expect(rotated.body.id).not.toBe(previous.id);

      expect(await works(client.withToken(rotated.body.key))).toBe(200);
      expect(await works(client)).toBe(200);
      const keys = (await operator.request<PageBody>('GET', `/v1/tenants/${tenantId}/api-keys`))
        .body.data;
      const old = keys.find((key) => key.id === previous.id)!;
      const expiresIn = Date.parse(old.expires_at!) - before;
      expect(expiresIn).toBeGreaterThan(86_400_000 - 60_000);
      expect(expiresIn).toBeLessThanOrEqual(86_400_000 + 60_000);
      expect(old.revoked_at).toBeNull();
      expect(keys.find((key) => key.id === rotated.body.id)?.expires_at).toBeNull();
    });

    it('emits api_keys.rotated to herald.events.inbound, keyed by tenant, without the key', async () => {
      const { tenantId, client } = await operator.createTenant('rotate-event');
      const [previous] = (
        await operator.request<PageBody>('GET', `/v1/tenants/${tenantId}/api-keys`)
      ).body.data;
      const rotated = await client.request<NewApiKeyBody>('POST', '/v1/api-keys/rotate');
      const message = await waitFor(
        'the api_keys.rotated envelope',
        () => inbound.find((entry) => entry.value.tenant_id === tenantId),
        30_000,
      );
      const keys = (await operator.request<PageBody>('GET', `/v1/tenants/${tenantId}/api-keys`))
        .body.data;
      expect(message.key).toBe(tenantId);
      expect(message.value).toEqual({
        id: matching(/^evt_/),
        tenant_id: tenantId,
        type: 'api_keys.rotated',
        occurred_at: rotated.body.created_at,
        data: {
          key_id: rotated.body.id,
          previous_key_id: previous.id,
          previous_key_expires_at: keys.find((key) => key.id === previous.id)?.expires_at,
        },
      });
      expect(JSON.stringify(message.value)).not.toContain(rotated.body.key);
      expect(JSON.stringify(message.value)).not.toContain(rotated.body.prefix);
    });

    it('names the new key when asked, else after the calling key', async () => {
      const { client } = await operator.createTenant('rotate-name');
      const named = await client.request<NewApiKeyBody>('POST', '/v1/api-keys/rotate', {
        name: 'deploy 2024-05',
      });
      expect(named.body.name).toBe('deploy 2024-05');
      const inherited = await client
        .withToken(named.body.key)
        .request<NewApiKeyBody>('POST', '/v1/api-keys/rotate', {});
      expect(inherited.body.name).toBe('deploy 2024-05');
    });

    it('does not extend a key that is already due to expire when it is rotated again', async () => {
      const { tenantId, client } = await operator.createTenant('rotate-twice');
      const [previous] = (
        await operator.request<PageBody>('GET', `/v1/tenants/${tenantId}/api-keys`)
      ).body.data;
      await client.request('POST', '/v1/api-keys/rotate');
      const expiry = async () =>
        (
          await operator.request<PageBody>('GET', `/v1/tenants/${tenantId}/api-keys`)
        ).body.data.find((key) => key.id === previous.id)?.expires_at;
      const first = await expiry();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect((await client.request('POST', '/v1/api-keys/rotate')).status).toBe(201);
      expect(await expiry()).toBe(first);
    });

    it.each([
      ['an unknown field', { colour: 'red' }, 'colour', 'is not a known field'],
      ['a long name', { name: 'n'.repeat(201) }, 'name', 'must be at most 200 characters'],
      ['a number name', { name: 7 }, 'name', 'must be a string'],
      ['a body that is not an object', [1], 'body', 'must be a JSON object'],
    ])(
      'refuses %s with 422 naming the field, and rotates nothing',
      async (_name, body, field, message) => {
        const { tenantId, client } = await operator.createTenant('rotate-validation');
        const response = await client.request<ErrorBody>('POST', '/v1/api-keys/rotate', body);
        expect(response.status).toBe(422);
        expect(response.body.error.details).toContainEqual({ field, message });
        const keys = (await operator.request<PageBody>('GET', `/v1/tenants/${tenantId}/api-keys`))
          .body.data;
        expect(keys).toHaveLength(1);
        expect(keys[0].expires_at).toBeNull();
      },
    );

    it('rotates only the caller’s own key: another tenant’s keys are untouched', async () => {
      const caller = await operator.createTenant('rotate-caller');
      const bystander = await operator.createTenant('rotate-bystander');
      const rotated = await caller.client.request<NewApiKeyBody>('POST', '/v1/api-keys/rotate');
      expect(rotated.body.tenant_id).toBe(caller.tenantId);
      const keys = (
        await operator.request<PageBody>('GET', `/v1/tenants/${bystander.tenantId}/api-keys`)
      ).body.data;
      expect(keys).toHaveLength(1);
      expect(keys[0].expires_at).toBeNull();
    });

    it('is a tenant route: the operator token gets 403 and no token 401', async () => {
      expect((await operator.request('POST', '/v1/api-keys/rotate')).status).toBe(403);
      expect((await operator.withToken(null).request('POST', '/v1/api-keys/rotate')).status).toBe(
        401,
      );
    });
  });

  describe('rotation grace period', () => {
    let shortGrace: { app: INestApplication; operator: ApiClient };

    beforeAll(async () => {
      shortGrace = await startApi({ HERALD_API_KEY_ROTATION_GRACE: '1s' });
    });

    afterAll(async () => {
      await shortGrace.app.close();
    });

    it('lets the old key work until the grace period ends, then answers 401', async () => {
      const { client } = await shortGrace.operator.createTenant('grace');
      const rotated = await client.request<NewApiKeyBody>('POST', '/v1/api-keys/rotate');
      expect(rotated.status).toBe(201);
      expect(await works(client)).toBe(200);
      await waitFor('the old key to expire', async () => (await works(client)) === 401, 5_000);
      const refused = await client.request<ErrorBody>('GET', '/v1/subscriptions');
      expect(refused.body.error.code).toBe('unauthorized');
      expect(await works(client.withToken(rotated.body.key))).toBe(200);
      expect((await client.request('POST', '/v1/api-keys/rotate')).status).toBe(401);
    });
  });
});
