import type { INestApplication } from '@nestjs/common';
import { createService } from '@herald/runtime';
import { ApiClient, testConfig, appUrl } from '@herald/testing';
import { SubscriptionApiModule } from '../subscription-api.module';

type Setting = {
  name: string;
  type: string;
  required: boolean;
  secret: boolean;
  description: string;
};
type DestinationTypesBody = {
  data: { type: string; name: string; description: string; settings: Setting[] }[];
};

describe('destination types', () => {
  let app: INestApplication;
  let operator: ApiClient;

  beforeAll(async () => {
    const config = testConfig();
    app = await createService('subscription-api', SubscriptionApiModule.forRoot(config), config);
    const url = appUrl(app);
    operator = new ApiClient(url, config.auth.adminToken);
  });

  afterAll(async () => {
    await app.close();
  });

  it('lists webhook, email, sqs and oauth2_webhook with their settings for a tenant key', async () => {
    const { client } = await operator.createTenant('forms');
    const response = await client.request<DestinationTypesBody>('GET', '/v1/destination-types');
    expect(response.status).toBe(200);
    expect(Object.keys(response.body)).toEqual(['data']);
    expect(response.body.data.map((entry) => entry.type)).toEqual([
      'webhook',
      'email',
      'sqs',
      'oauth2_webhook',
    ]);
    const settings = (type: string) =>
      Object.fromEntries(
        response.body.data
          .find((entry) => entry.type === type)!
          .settings.map(({ name, type: kind, required, secret }) => [
            name,
            { type: kind, required, secret },
          ]),
      );
    expect(settings('webhook')).toEqual({
      url: { type: 'url', required: true, secret: false },
      headers: { type: 'string_map', required: false, secret: true },
    });
    expect(settings('email')).toEqual({
      to: { type: 'string_list', required: true, secret: false },
    });
    expect(settings('sqs')).toEqual({
      region: { type: 'string', required: true, secret: false },
      queue_name: { type: 'string', required: false, secret: false },
      queue_url: { type: 'url', required: false, secret: false },
      access_key_id: { type: 'string', required: false, secret: false },
      secret_access_key: { type: 'string', required: false, secret: true },
      endpoint_url: { type: 'url', required: false, secret: false },
    });
    for (const entry of response.body.data) {
      expect(entry.name).not.toBe('');
      expect(entry.description).not.toBe('');
      for (const setting of entry.settings) expect(setting.description).not.toBe('');
    }
  });

  it('answers every tenant alike: the list holds nothing of any tenant', async () => {
    const first = await operator.createTenant('first');
    const second = await operator.createTenant('second');
    const one = await first.client.request('GET', '/v1/destination-types');
    const two = await second.client.request('GET', '/v1/destination-types');
    expect(two.body).toEqual(one.body);
    expect(JSON.stringify(one.body)).not.toContain(first.tenantId);
  });

  it('is a tenant route: the operator token gets 403 and no token 401', async () => {
    expect((await operator.request('GET', '/v1/destination-types')).status).toBe(403);
    expect((await operator.withToken(null).request('GET', '/v1/destination-types')).status).toBe(
      401,
    );
  });

  it('answers 404 for a path under it that does not exist', async () => {
    const { client } = await operator.createTenant('missing');
    const response = await client.request<{ error: { code: string } }>(
      'GET',
      '/v1/destination-types/pigeon',
    );
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('not_found');
  });
});
