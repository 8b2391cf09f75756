import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createService } from '@herald/runtime';
import { dataSourceOptions, SubscriptionsRepository } from '@herald/persistence';
import { ApiClient, testConfig, appUrl } from '@herald/testing';
import { SubscriptionApiModule } from './subscription-api.module';

/** Every row of every table of Herald's schema, as text. */
async function dumpDatabase(db: DataSource): Promise<string> {
  const tables: { table_name: string }[] = await db.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
  );
  const dumps = await Promise.all(
    tables.map(async ({ table_name }) => {
      const rows: { row: string }[] = await db.query(
        `SELECT row_to_json(t)::text AS row FROM "${table_name}" t`,
      );
      return rows.map((r) => r.row).join('\n');
    }),
  );
  return dumps.join('\n');
}

describe('secrets at rest', () => {
  const config = testConfig();
  let app: INestApplication;
  let db: DataSource;

  beforeAll(async () => {
    app = await createService('subscription-api', SubscriptionApiModule.forRoot(config), config);
    db = await new DataSource(dataSourceOptions(config.database.url)).initialize();
  });

  afterAll(async () => {
    await db.destroy();
    await app.close();
  });

  it('keeps no plaintext signing secret, destination credential or API key in the database', async () => {
    const operator = new ApiClient(appUrl(app), config.auth.adminToken);
    const { tenantId, apiKey, client } = await operator.createTenant('secrets');
    const second = await operator.request<{ key: string }>(
      'POST',
      `/v1/tenants/${tenantId}/api-keys`,
      { name: 'b' },
    );
    const created = await client.request<{ id: string; secret: string }>(
      'POST',
      '/v1/subscriptions',
      {
        event_types: ['*'],
        destination: {
          type: 'webhook',
          url: 'https://example.com/hooks',
          headers: {
            Authorization: 'Bearer header-credential-1234567890',
            'X-Api-Key': 'second-credential-0987654321',
          },
        },
      },
    );
    const rotated = await client.request<{ secret: string }>(
      'POST',
      `/v1/subscriptions/${created.body.id}/secret/rotate`,
      {},
    );
    expect(created.status).toBe(201);
    expect(rotated.status).toBe(200);

    const plaintexts = [
      apiKey,
      second.body.key,
      created.body.secret,
      created.body.secret.slice('whsec_'.length),
      rotated.body.secret.slice('whsec_'.length),
      'header-credential-1234567890',
      'second-credential-0987654321',
      config.auth.adminToken ?? 'no-admin-token',
    ];
    const dump = await dumpDatabase(db);
    expect(dump).toContain(created.body.id);
    for (const plaintext of plaintexts) expect(dump.includes(plaintext)).toBe(false);
  });

  it('seals an oauth2_webhook client secret, and a PATCH that sends the mask back keeps it', async () => {
    const operator = new ApiClient(appUrl(app), config.auth.adminToken);
    const { tenantId, client } = await operator.createTenant('oauth2-secrets');
    const destination = {
      type: 'oauth2_webhook',
      url: 'https://example.com/hooks',
      headers: { 'X-Api-Key': 'oauth2-header-credential-123' },
      token_url: 'https://auth.example.com/oauth/token',
      client_id: 'herald-client',
      client_secret: 'oauth2-client-secret-4567890',
    };
    const created = await client.request<{ id: string; destination: Record<string, unknown> }>(
      'POST',
      '/v1/subscriptions',
      { event_types: ['*'], destination },
    );
    expect(created.status).toBe(201);
    const patched = await client.request<{ destination: Record<string, unknown> }>(
      'PATCH',
      `/v1/subscriptions/${created.body.id}`,
      { destination: { ...created.body.destination, scope: 'events:write' } },
    );
    expect(patched.status).toBe(200);
    expect(patched.body.destination).toMatchObject({
      client_secret: '********',
      headers: { 'X-Api-Key': '********' },
      scope: 'events:write',
    });

    const dump = await dumpDatabase(db);
    expect(dump).toContain(created.body.id);
    expect(dump.includes('oauth2-client-secret-4567890')).toBe(false);
    expect(dump.includes('oauth2-header-credential-123')).toBe(false);
    const stored = await app.get(SubscriptionsRepository).get(tenantId, created.body.id);
    expect(stored?.destination).toMatchObject({
      clientSecret: 'oauth2-client-secret-4567890',
      headers: { 'X-Api-Key': 'oauth2-header-credential-123' },
      scope: 'events:write',
    });
  });
});
