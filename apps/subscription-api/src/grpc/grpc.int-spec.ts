import { join } from 'node:path';
import {
  credentials,
  loadPackageDefinition,
  Metadata,
  status,
  type Client,
  type GrpcObject,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { INestApplication } from '@nestjs/common';
import { ADMIN_PROTO, protoRoot } from '@herald/contracts';
import { findFreePort } from '@herald/local-infra';
import { createService } from '@herald/runtime';
import { testConfig } from '@herald/testing';
import { SubscriptionApiModule } from '../subscription-api.module';
import { attachGrpc } from './attach-grpc';

type Call = (
  request: object,
  metadata: Metadata,
  callback: (error: ServiceError | null, response: unknown) => void,
) => void;

/** A real @grpc/grpc-js client of herald.admin.v1.AdminService, as a user would write one. */
function adminClient(address: string): Client & Record<string, Call> {
  const definition = loadSync(ADMIN_PROTO, {
    keepCase: true,
    defaults: false,
    includeDirs: [protoRoot()],
  });
  const loaded = loadPackageDefinition(definition) as unknown as {
    herald: { admin: { v1: GrpcObject } };
  };
  const Service = loaded.herald.admin.v1.AdminService as ServiceClientConstructor;
  return new Service(address, credentials.createInsecure()) as unknown as Client &
    Record<string, Call>;
}

function call<T>(
  client: Record<string, Call>,
  method: string,
  request: object,
  token?: string,
): Promise<T> {
  const metadata = new Metadata();
  if (token) metadata.set('authorization', `Bearer ${token}`);
  return new Promise((resolve, reject) =>
    client[method](request, metadata, (error, response) =>
      error ? reject(error) : resolve(response as T),
    ),
  );
}

async function failure(
  promise: Promise<unknown>,
): Promise<{ code: number; body: { error: { code: string; details: { field: string }[] } } }> {
  const error = await promise.then<ServiceError, ServiceError>(
    () => {
      throw new Error('expected the call to fail');
    },
    (caught: ServiceError) => caught,
  );
  return {
    code: error.code,
    body: JSON.parse(error.details) as { error: { code: string; details: { field: string }[] } },
  };
}

describe('gRPC admin API (herald.admin.v1.AdminService)', () => {
  let app: INestApplication;
  let client: Client & Record<string, Call>;
  let address: string;
  const port = findFreePort();
  let config: ReturnType<typeof testConfig>;

  beforeAll(async () => {
    config = testConfig({ HERALD_GRPC_PORT: String(await port) });
    app = await createService(
      'subscription-api',
      SubscriptionApiModule.forRoot(config),
      config,
      (created) => attachGrpc(created, config),
    );
    address = `127.0.0.1:${config.grpcPort}`;
    client = adminClient(address);
  });

  afterAll(async () => {
    client.close();
    await app.close();
  });

  async function tenantWithKey(name: string): Promise<{ tenantId: string; key: string }> {
    const tenant = await call<{ id: string }>(
      client,
      'CreateTenant',
      { name },
      config.adminToken ?? '',
    );
    const key = await call<{ key: string }>(
      client,
      'CreateApiKey',
      { tenant_id: tenant.id, name: 'grpc' },
      config.adminToken ?? '',
    );
    return { tenantId: tenant.id, key: key.key };
  }

  it('runs the same operations as REST: tenants, keys and the subscription lifecycle', async () => {
    const { tenantId, key } = await tenantWithKey('grpc-tenant');
    expect(
      await call(client, 'GetTenant', { id: tenantId }, config.adminToken ?? ''),
    ).toMatchObject({ id: tenantId, name: 'grpc-tenant' });

    const created = await call<{
      id: string;
      secret: string;
      destination: { headers: Record<string, string> };
      filter: unknown;
    }>(
      client,
      'CreateSubscription',
      {
        description: 'over gRPC',
        event_types: ['datum/agg/update'],
        destination: {
          type: 'webhook',
          url: 'https://example.com/grpc',
          headers: { Authorization: 'Token x' },
        },
        filter: {
          fields: {
            subject: { structValue: { fields: { $glob: { stringValue: 'node/1/source/**' } } } },
          },
        },
        payload_fields: { values: ['nodeId', 'sourceId'] },
      },
      key,
    );
    expect(created.id).toMatch(/^sub_/);
    expect(created.secret).toMatch(/^whsec_/);
    expect(created.destination.headers).toEqual({ Authorization: '********' });

    const fetched = await call<Record<string, unknown>>(
      client,
      'GetSubscription',
      { id: created.id },
      key,
    );
    expect(fetched).toMatchObject({
      id: created.id,
      description: 'over gRPC',
      event_types: ['datum/agg/update'],
      payload_fields: { values: ['nodeId', 'sourceId'] },
    });
    expect(fetched.secret).toBeUndefined();
    expect(fetched.filter).toEqual(created.filter);

    const updated = await call<{ enabled: boolean; description: string }>(
      client,
      'UpdateSubscription',
      { id: created.id, subscription: { enabled: false } },
      key,
    );
    expect(updated).toMatchObject({ enabled: false, description: 'over gRPC' });

    const page = await call<{ data: { id: string }[] }>(
      client,
      'ListSubscriptions',
      { limit: 10 },
      key,
    );
    expect(page.data.map((subscription) => subscription.id)).toEqual([created.id]);

    expect(await call(client, 'GetSubscriptionSecret', { id: created.id }, key)).toEqual({
      secret: created.secret,
    });
    const rotated = await call<{ secret: string; previous_secret_expires_at: string }>(
      client,
      'RotateSubscriptionSecret',
      { id: created.id },
      key,
    );
    expect(rotated.secret).not.toBe(created.secret);

    await call(client, 'DeleteSubscription', { id: created.id }, key);
    expect((await failure(call(client, 'GetSubscription', { id: created.id }, key))).code).toBe(
      status.NOT_FOUND,
    );
  });

  it('maps errors to gRPC statuses with the REST error body', async () => {
    expect((await failure(call(client, 'ListSubscriptions', {}))).code).toBe(
      status.UNAUTHENTICATED,
    );
    const { key } = await tenantWithKey('grpc-errors');
    expect((await failure(call(client, 'ListTenants', {}, key))).code).toBe(
      status.PERMISSION_DENIED,
    );
    const invalid = await failure(
      call(client, 'CreateSubscription', { destination: { type: 'webhook', url: 'ftp://x' } }, key),
    );
    expect(invalid.code).toBe(status.INVALID_ARGUMENT);
    expect(invalid.body.error.code).toBe('validation_failed');
    expect(invalid.body.error.details.map((detail) => detail.field)).toEqual(
      expect.arrayContaining(['event_types', 'destination.url']),
    );
  });

  it('answers NOT_FOUND for another tenant’s subscription and leaks nothing', async () => {
    const owner = await tenantWithKey('grpc-owner');
    const intruder = await tenantWithKey('grpc-intruder');
    const created = await call<{ id: string }>(
      client,
      'CreateSubscription',
      { event_types: ['*'], destination: { type: 'webhook', url: 'https://example.com/private' } },
      owner.key,
    );
    for (const method of [
      'GetSubscription',
      'DeleteSubscription',
      'GetSubscriptionSecret',
      'RotateSubscriptionSecret',
    ]) {
      const error = await failure(call(client, method, { id: created.id }, intruder.key));
      expect(error.code).toBe(status.NOT_FOUND);
      expect(JSON.stringify(error.body)).not.toContain('example.com');
    }
    const update = await failure(
      call(
        client,
        'UpdateSubscription',
        { id: created.id, subscription: { description: 'x' } },
        intruder.key,
      ),
    );
    expect(update.code).toBe(status.NOT_FOUND);
  });

  it('lists AdminService through server reflection', async () => {
    const reflectionProto = join(
      require.resolve('@grpc/reflection'),
      '..',
      '..',
      'proto',
      'grpc',
      'reflection',
      'v1',
      'reflection.proto',
    );
    const loaded = loadPackageDefinition(
      loadSync(reflectionProto, { keepCase: true }),
    ) as unknown as {
      grpc: { reflection: { v1: { ServerReflection: ServiceClientConstructor } } };
    };
    const reflection = new loaded.grpc.reflection.v1.ServerReflection(
      address,
      credentials.createInsecure(),
    ) as unknown as Client & {
      ServerReflectionInfo(): NodeJS.ReadWriteStream & {
        write(message: object): boolean;
        end(): void;
      };
    };
    const stream = reflection.ServerReflectionInfo();
    const services = await new Promise<string[]>((resolve, reject) => {
      stream.on('data', (response: { list_services_response?: { service: { name: string }[] } }) =>
        resolve((response.list_services_response?.service ?? []).map((service) => service.name)),
      );
      stream.on('error', reject);
      stream.write({ list_services: '' });
    });
    stream.end();
    reflection.close();
    expect(services).toContain('herald.admin.v1.AdminService');
  });
});
