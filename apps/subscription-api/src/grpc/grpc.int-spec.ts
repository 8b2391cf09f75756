import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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
import { loadSync, type ServiceDefinition } from '@grpc/proto-loader';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ADMIN_PACKAGE, ADMIN_PROTO, protoRoot } from '@herald/contracts';
import {
  newId,
  type DeliveryStatus,
  type EventData,
  type HeraldEvent,
  type JsonObject,
} from '@herald/domain';
import { findFreePort } from '@herald/local-infra';
import { dataSourceOptions, DeliveriesRepository, EventsRepository } from '@herald/persistence';
import { createService } from '@herald/runtime';
import { testConfig, TopicRecorder, waitFor } from '@herald/testing';
import { SubscriptionApiModule } from '../subscription-api.module';
import { attachGrpc } from './attach-grpc';
import {
  fromListValue,
  fromStruct,
  fromValue,
  toListValue,
  toStruct,
  toValue,
  type ProtoStruct,
  type ProtoValue,
} from './struct';

type Call = (
  request: object,
  metadata: Metadata,
  callback: (error: ServiceError | null, response: unknown) => void,
) => void;

/** A real @grpc/grpc-js client of herald.admin.v1.AdminService, as a user would write one. */
function loadAdminProto() {
  return loadSync(ADMIN_PROTO, { keepCase: true, defaults: false, includeDirs: [protoRoot()] });
}

/** Every RPC the proto declares, as proto-loader reads it. */
function adminMethods(): string[] {
  const service = loadAdminProto()[`${ADMIN_PACKAGE}.AdminService`] as ServiceDefinition;
  return Object.values(service).map((method) => method.path.split('/').pop() ?? '');
}

function adminClient(address: string): Client & Record<string, Call> {
  const definition = loadAdminProto();
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

type ErrorBody = {
  error: { code: string; message: string; details: { field: string; message: string }[] };
};

async function failure(promise: Promise<unknown>): Promise<{ code: number; body: ErrorBody }> {
  const error = await promise.then<ServiceError, ServiceError>(
    () => {
      throw new Error('expected the call to fail');
    },
    (caught: ServiceError) => caught,
  );
  return {
    code: error.code,
    body: JSON.parse(error.details) as ErrorBody,
  };
}

/** The fields a validation error names. */
const fieldsOf = (error: { body: ErrorBody }): string[] =>
  error.body.error.details.map((detail) => detail.field);

/** The delivery fields these tests read; the others are checked with `toMatchObject`. */
type GrpcDelivery = { id: string; webhook_id: string; subscription_id: string; event_id: string };
type GrpcDeliveryDetail = GrpcDelivery & { attempts: object[]; redriven_at?: string };
type GrpcPage<T> = { data: T[]; next_cursor?: string };

/** What the stored events of these tests say; `data` has every JSON kind a Struct carries. */
const METER_EVENT = {
  type: 'meter.created',
  subject: 'meter/m-7',
  changedFields: ['meter.reading'],
  data: { meter_id: 'm-7', reading: { kwh: 12.5, final: true }, tags: ['a', null] },
};

/** Delivery timeout of this API: TestSubscription waits for a first attempt this long plus 2 s. */
const DELIVERY_TIMEOUT_MS = 200;
/** Nothing listens here, so a delivery another suite's deliverer picks up fails fast. */
const NOWHERE = 'http://127.0.0.1:9/hooks';

describe('gRPC admin API (herald.admin.v1.AdminService)', () => {
  let app: INestApplication;
  let client: Client & Record<string, Call>;
  let address: string;
  const port = findFreePort();
  let config: ReturnType<typeof testConfig>;
  let db: DataSource;
  let events: EventsRepository;
  let deliveries: DeliveriesRepository;
  let inbound: TopicRecorder<JsonObject>;
  /**
   * Answers only after TestSubscription's longest wait, so a deliverer of another suite (e2e suites
   * share this Kafka) that picks up a test delivery makes no attempt while a test here waits.
   */
  let slow: Server;
  let slowUrl: string;

  beforeAll(async () => {
    config = testConfig({
      HERALD_GRPC_PORT: String(await port),
      HERALD_DELIVERY_TIMEOUT_MS: String(DELIVERY_TIMEOUT_MS),
    });
    app = await createService(
      'subscription-api',
      SubscriptionApiModule.forRoot(config),
      config,
      (created) => attachGrpc(created, config),
    );
    address = `127.0.0.1:${config.server.grpcPort}`;
    client = adminClient(address);
    db = await new DataSource(dataSourceOptions(config.database.url)).initialize();
    events = new EventsRepository(db);
    deliveries = new DeliveriesRepository(db);
    inbound = await TopicRecorder.start(
      config.kafka.brokers,
      'herald.events.inbound',
      ({ value }) => (value ? (JSON.parse(value.toString()) as JsonObject) : undefined),
    );
    slow = createServer((_request, response) => {
      setTimeout(() => response.end('ok'), DELIVERY_TIMEOUT_MS + 5000).unref();
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    slowUrl = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/hooks`;
  });

  afterAll(async () => {
    await inbound.stop();
    slow.closeAllConnections();
    await new Promise<void>((resolve) => slow.close(() => resolve()));
    await db.destroy();
    client.close();
    await app.close();
  });

  async function tenantWithKey(
    name: string,
  ): Promise<{ tenantId: string; key: string; keyId: string }> {
    const tenant = await call<{ id: string }>(
      client,
      'CreateTenant',
      { name },
      config.auth.adminToken ?? '',
    );
    const key = await call<{ id: string; key: string }>(
      client,
      'CreateApiKey',
      { tenant_id: tenant.id, name: 'grpc' },
      config.auth.adminToken ?? '',
    );
    return { tenantId: tenant.id, key: key.key, keyId: key.id };
  }

  async function subscribe(key: string, url = NOWHERE): Promise<string> {
    const created = await call<{ id: string }>(
      client,
      'CreateSubscription',
      { event_types: ['meter.*'], destination: { type: 'webhook', url } },
      key,
    );
    return created.id;
  }

  /**
   * A stored event and its delivery to `subscriptionId`, as event-ingest leaves them (it does not
   * run here); with `failedAs`, one failed attempt as the deliverer records it.
   */
  async function delivered(
    tenantId: string,
    subscriptionId: string,
    failedAs?: Extract<DeliveryStatus, 'failed' | 'dead' | 'retrying'>,
  ): Promise<{ event: HeraldEvent; deliveryId: string }> {
    const now = new Date().toISOString();
    const { event } = await events.store({
      ...METER_EVENT,
      id: newId('evt'),
      tenantId,
      occurredAt: now,
      receivedAt: now,
    });
    const [{ delivery }] = await deliveries.planForEvent(tenantId, event.id, event.type, [
      subscriptionId,
    ]);
    if (failedAs) {
      await deliveries.recordAttempt({
        deliveryId: delivery.id,
        tenantId,
        subscriptionId,
        attempt: 1,
        startedAt: new Date(),
        durationMs: 7,
        outcome: 'failed',
        statusCode: 503,
        errorClass: 'retryable',
        errorMessage: 'HTTP 503',
        responseExcerpt: 'down for maintenance',
        requestBody: '{"type":"meter.created"}',
        status: failedAs,
        nextAttemptAt: failedAs === 'retrying' ? new Date(Date.now() + 60_000) : null,
      });
    }
    return { event, deliveryId: delivery.id };
  }

  it('runs the same operations as REST: tenants, keys and the subscription lifecycle', async () => {
    const { tenantId, key } = await tenantWithKey('grpc-tenant');
    expect(
      await call(client, 'GetTenant', { id: tenantId }, config.auth.adminToken ?? ''),
    ).toMatchObject({ id: tenantId, name: 'grpc-tenant' });
    const admin = config.auth.adminToken ?? '';
    expect(
      await call(client, 'UpdateTenant', { id: tenantId, retention: '7d' }, admin),
    ).toMatchObject({ id: tenantId, retention: '7d' });
    expect(
      await call(client, 'UpdateTenant', { id: tenantId, retention: '' }, admin),
    ).not.toHaveProperty('retention');

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

    const updated = await call<{
      enabled: boolean;
      description: string;
      max_in_flight: number;
      transformation: string;
    }>(
      client,
      'UpdateSubscription',
      {
        id: created.id,
        subscription: { enabled: false, max_in_flight: 4, transformation: 'event.data' },
      },
      key,
    );
    expect(updated).toMatchObject({
      enabled: false,
      description: 'over gRPC',
      max_in_flight: 4,
      transformation: 'event.data',
    });
    const cleared = await call<{
      payload_fields?: unknown;
      filter?: unknown;
      max_in_flight?: unknown;
      transformation?: unknown;
    }>(
      client,
      'UpdateSubscription',
      {
        id: created.id,
        clear_fields: ['payload_fields', 'filter', 'max_in_flight', 'transformation'],
      },
      key,
    );
    expect(cleared.payload_fields).toBeUndefined();
    expect(cleared.filter).toBeUndefined();
    expect(cleared.max_in_flight).toBeUndefined();
    expect(cleared.transformation).toBeUndefined();

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

  describe('every RPC of the proto', () => {
    it('is served: each answers UNAUTHENTICATED without credentials, none UNIMPLEMENTED', async () => {
      const methods = adminMethods();
      expect(methods).toEqual(
        expect.arrayContaining(['CreateTenant', 'PublishEvent', 'RedriveDeadLetters']),
      );
      const codes = Object.fromEntries(
        await Promise.all(
          methods.map(async (method) => {
            const error = await call(client, method, {}).then(
              () => null,
              (caught: ServiceError) => caught,
            );
            return [method, error?.code] as const;
          }),
        ),
      );
      expect(codes).toEqual(
        Object.fromEntries(methods.map((method) => [method, status.UNAUTHENTICATED])),
      );
    });

    it('is listed through server reflection', async () => {
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
      type ReflectionResponse = {
        list_services_response?: { service: { name: string }[] };
        file_descriptor_response?: { file_descriptor_proto: Buffer[] };
        error_response?: { error_code: number; error_message: string };
      };
      const ask = (request: object) => {
        const stream = reflection.ServerReflectionInfo();
        return new Promise<ReflectionResponse>((resolve, reject) => {
          stream.on('data', (response: ReflectionResponse) => {
            resolve(response);
            stream.end();
          });
          stream.on('error', reject);
          stream.write(request);
        });
      };

      const listed = await ask({ list_services: '' });
      expect(listed.list_services_response?.service.map((service) => service.name)).toContain(
        'herald.admin.v1.AdminService',
      );
      for (const method of adminMethods()) {
        const symbol = `${ADMIN_PACKAGE}.AdminService.${method}`;
        const found = await ask({ file_containing_symbol: symbol });
        expect({ symbol, error: found.error_response }).toEqual({ symbol, error: undefined });
        expect(found.file_descriptor_response?.file_descriptor_proto.length).toBeGreaterThan(0);
      }
      expect(
        (await ask({ file_containing_symbol: `${ADMIN_PACKAGE}.AdminService.Nope` })).error_response
          ?.error_code,
      ).toBe(status.NOT_FOUND);
      reflection.close();
    });
  });
  describe('API keys', () => {
    it('lists a tenant’s keys, rotates the calling key and revokes a key', async () => {
      const admin = config.auth.adminToken ?? '';
      const { tenantId, key, keyId } = await tenantWithKey('grpc-keys');
      const page = await call<GrpcPage<Record<string, unknown>>>(
        client,
        'ListApiKeys',
        { tenant_id: tenantId, limit: 10 },
        admin,
      );
      expect(page.data).toEqual([
        expect.objectContaining({ id: keyId, tenant_id: tenantId, name: 'grpc' }),
      ]);
      expect(page.data[0].key).toBeUndefined();
      expect(page.next_cursor).toBeUndefined();

      const rotated = await call<{ id: string; key: string; prefix: string; name: string }>(
        client,
        'RotateApiKey',
        { name: 'rotated' },
        key,
      );
      expect(rotated).toMatchObject({ tenant_id: tenantId, name: 'rotated' });
      expect(rotated.key.startsWith(rotated.prefix)).toBe(true);
      await call(client, 'ListSubscriptions', {}, key);
      const keys = await call<GrpcPage<{ id: string; expires_at?: string }>>(
        client,
        'ListApiKeys',
        { tenant_id: tenantId },
        admin,
      );
      expect(keys.data.map((item) => item.id).sort()).toEqual([keyId, rotated.id].sort());
      expect(keys.data.find((item) => item.id === keyId)?.expires_at).toEqual(expect.any(String));

      expect(
        await call(client, 'RevokeApiKey', { tenant_id: tenantId, key_id: rotated.id }, admin),
      ).toEqual({});
      expect((await failure(call(client, 'ListSubscriptions', {}, rotated.key))).code).toBe(
        status.UNAUTHENTICATED,
      );
    });

    it('names bad fields: limit, key_id, name', async () => {
      const admin = config.auth.adminToken ?? '';
      const { tenantId, key } = await tenantWithKey('grpc-keys-invalid');
      const limit = await failure(
        call(client, 'ListApiKeys', { tenant_id: tenantId, limit: 0 }, admin),
      );
      expect(limit.code).toBe(status.INVALID_ARGUMENT);
      expect(fieldsOf(limit)).toEqual(['limit']);
      const keyId = await failure(call(client, 'RevokeApiKey', { tenant_id: tenantId }, admin));
      expect(keyId.code).toBe(status.INVALID_ARGUMENT);
      expect(fieldsOf(keyId)).toEqual(['key_id']);
      const name = await failure(call(client, 'RotateApiKey', { name: 'n'.repeat(201) }, key));
      expect(name.code).toBe(status.INVALID_ARGUMENT);
      expect(name.body.error.details).toEqual([
        { field: 'name', message: 'must be at most 200 characters' },
      ]);
    });

    it('answers NOT_FOUND for another tenant’s key and leaves it working; tokens keep their roles', async () => {
      const admin = config.auth.adminToken ?? '';
      const owner = await tenantWithKey('grpc-keys-owner');
      const other = await tenantWithKey('grpc-keys-other');
      const revoke = await failure(
        call(client, 'RevokeApiKey', { tenant_id: other.tenantId, key_id: owner.keyId }, admin),
      );
      expect(revoke.code).toBe(status.NOT_FOUND);
      expect(JSON.stringify(revoke.body)).not.toContain(owner.tenantId);
      await call(client, 'ListSubscriptions', {}, owner.key);
      expect(
        (await failure(call(client, 'ListApiKeys', { tenant_id: owner.tenantId }, other.key))).code,
      ).toBe(status.PERMISSION_DENIED);
      expect((await failure(call(client, 'RotateApiKey', {}, admin))).code).toBe(
        status.PERMISSION_DENIED,
      );
    });
  });

  describe('event types', () => {
    type GrpcEventType = {
      name: string;
      description: string;
      schema?: ProtoStruct;
      trigger_fields?: { values?: string[] };
      payload_fields?: { values?: string[] };
      transformation?: string;
      examples?: { values?: ProtoValue[] };
      archived_at?: string;
      created_at: string;
      updated_at: string;
    };
    const schema = {
      type: 'object',
      required: ['meter_id'],
      properties: { meter_id: { type: 'string' } },
    };

    it('creates, gets, lists, updates, archives and unarchives an event type', async () => {
      const { key } = await tenantWithKey('grpc-catalog');
      const name = 'meter_data.received';
      const created = await call<GrpcEventType>(
        client,
        'CreateEventType',
        {
          name,
          description: 'Meter readings arrived',
          schema: toStruct(schema),
          trigger_fields: { values: ['meter.*'] },
        },
        key,
      );
      expect(created).toMatchObject({
        name,
        description: 'Meter readings arrived',
        trigger_fields: { values: ['meter.*'] },
      });
      expect(fromStruct(created.schema ?? {})).toEqual(schema);
      expect(created.payload_fields).toBeUndefined();
      expect(created.archived_at).toBeUndefined();
      expect(await call(client, 'GetEventType', { name }, key)).toEqual(created);

      const updated = await call<GrpcEventType>(
        client,
        'UpdateEventType',
        {
          name,
          description: 'Readings',
          payload_fields: { values: ['meter_id'] },
          transformation: '{"payload": event.data}',
          clear_fields: ['schema', 'trigger_fields'],
        },
        key,
      );
      expect(updated).toMatchObject({
        name,
        description: 'Readings',
        payload_fields: { values: ['meter_id'] },
        transformation: '{"payload": event.data}',
      });
      expect(updated.schema).toBeUndefined();
      expect(updated.trigger_fields).toBeUndefined();

      await call(client, 'CreateEventType', { name: 'meter.created' }, key);
      const first = await call<GrpcPage<GrpcEventType>>(
        client,
        'ListEventTypes',
        { limit: 1 },
        key,
      );
      expect(first.data.map((type) => type.name)).toEqual(['meter.created']);
      const second = await call<GrpcPage<GrpcEventType>>(
        client,
        'ListEventTypes',
        { limit: 1, cursor: first.next_cursor },
        key,
      );
      expect(second.data.map((type) => type.name)).toEqual([name]);

      const archived = await call<GrpcEventType>(client, 'ArchiveEventType', { name }, key);
      expect(archived.archived_at).toEqual(expect.any(String));
      const listed = await call<GrpcPage<GrpcEventType>>(client, 'ListEventTypes', {}, key);
      expect(listed.data.map((type) => type.name)).toEqual(['meter.created']);
      const withArchived = await call<GrpcPage<GrpcEventType>>(
        client,
        'ListEventTypes',
        { include_archived: true },
        key,
      );
      expect(withArchived.data.map((type) => type.name)).toEqual(['meter.created', name]);
      const unarchived = await call<GrpcEventType>(client, 'UnarchiveEventType', { name }, key);
      expect(unarchived.archived_at).toBeUndefined();
    });

    it('keeps examples of every JSON kind, replaces and clears them, and names a bad one by index', async () => {
      const { key } = await tenantWithKey('grpc-catalog-examples');
      const name = 'meter_data.received';
      const examples = [
        { meter_id: 'm-1', reading: { kwh: 12.5, final: true }, tags: ['a', null] },
        { meter_id: 'm-2', reading: { kwh: 0, final: false }, tags: [] },
      ];
      const created = await call<GrpcEventType>(
        client,
        'CreateEventType',
        { name, schema: toStruct(schema), examples: toListValue(examples) },
        key,
      );
      expect(fromListValue(created.examples ?? {})).toEqual(examples);
      expect(await call(client, 'GetEventType', { name }, key)).toEqual(created);
      const listed = await call<GrpcPage<GrpcEventType>>(client, 'ListEventTypes', {}, key);
      expect(listed.data).toEqual([created]);

      const described = await call<GrpcEventType>(
        client,
        'UpdateEventType',
        { name, description: 'Readings' },
        key,
      );
      expect(fromListValue(described.examples ?? {})).toEqual(examples);
      const replaced = await call<GrpcEventType>(
        client,
        'UpdateEventType',
        { name, examples: toListValue([examples[1]]) },
        key,
      );
      expect(fromListValue(replaced.examples ?? {})).toEqual([examples[1]]);

      const invalid = await failure(
        call(
          client,
          'UpdateEventType',
          { name, examples: toListValue([examples[0], { reading: {} }]) },
          key,
        ),
      );
      expect(invalid.code).toBe(status.INVALID_ARGUMENT);
      expect(invalid.body.error.details).toEqual([
        {
          field: 'examples[1]',
          message: 'does not match the schema: examples[1].meter_id is required',
        },
      ]);

      const cleared = await call<GrpcEventType>(
        client,
        'UpdateEventType',
        { name, clear_fields: ['examples'] },
        key,
      );
      expect(fromListValue(cleared.examples ?? {})).toEqual([]);
    });

    it('names bad fields, also in clear_fields', async () => {
      const { key } = await tenantWithKey('grpc-catalog-invalid');
      const badName = await failure(
        call(client, 'CreateEventType', { name: 'meter data!', description: 'x' }, key),
      );
      expect(badName.code).toBe(status.INVALID_ARGUMENT);
      expect(fieldsOf(badName)).toEqual(['name']);

      await call(client, 'CreateEventType', { name: 'meter.created' }, key);
      const badClear = await failure(
        call(
          client,
          'UpdateEventType',
          {
            name: 'meter.created',
            schema: toStruct(schema),
            clear_fields: ['description', 'schema'],
          },
          key,
        ),
      );
      expect(badClear.code).toBe(status.INVALID_ARGUMENT);
      expect(badClear.body.error.details).toEqual([
        {
          field: 'clear_fields[0]',
          message:
            'must be one of schema, trigger_fields, payload_fields, transformation, examples',
        },
        { field: 'clear_fields[1]', message: 'names a field that is also set' },
      ]);
      const limit = await failure(call(client, 'ListEventTypes', { limit: 101 }, key));
      expect(fieldsOf(limit)).toEqual(['limit']);
    });

    it('answers NOT_FOUND for another tenant’s event type and leaks nothing', async () => {
      const owner = await tenantWithKey('grpc-catalog-owner');
      const intruder = await tenantWithKey('grpc-catalog-intruder');
      await call(
        client,
        'CreateEventType',
        { name: 'meter.secret', description: 'owner-only description' },
        owner.key,
      );
      for (const [method, request] of [
        ['GetEventType', { name: 'meter.secret' }],
        ['UpdateEventType', { name: 'meter.secret', description: 'taken' }],
        ['ArchiveEventType', { name: 'meter.secret' }],
        ['UnarchiveEventType', { name: 'meter.secret' }],
      ] as const) {
        const error = await failure(call(client, method, request, intruder.key));
        expect({ method, code: error.code }).toEqual({ method, code: status.NOT_FOUND });
        expect(JSON.stringify(error.body)).not.toContain('owner-only');
      }
      expect(await call(client, 'GetEventType', { name: 'meter.secret' }, owner.key)).toMatchObject(
        { description: 'owner-only description' },
      );
    });
  });

  it('creates an oauth2_webhook subscription from the proto’s fields, secrets masked', async () => {
    const { key } = await tenantWithKey('grpc-oauth2');
    const created = await call<{ id: string; destination: Record<string, unknown> }>(
      client,
      'CreateSubscription',
      {
        event_types: ['*'],
        destination: {
          type: 'oauth2_webhook',
          url: 'https://example.com/grpc',
          token_url: 'https://auth.example.com/oauth/token',
          client_id: 'herald',
          client_secret: 'grpc-client-secret',
          scope: 'events:write',
        },
      },
      key,
    );
    expect(created.destination).toMatchObject({
      type: 'oauth2_webhook',
      url: 'https://example.com/grpc',
      token_url: 'https://auth.example.com/oauth/token',
      client_id: 'herald',
      client_secret: '********',
      scope: 'events:write',
    });
    expect(created.destination.audience).toBeUndefined();
    expect(JSON.stringify(created)).not.toContain('grpc-client-secret');
  });

  it('lists the destination types with their settings', async () => {
    const { key } = await tenantWithKey('grpc-destination-types');
    const { data } = await call<{
      data: {
        type: string;
        name: string;
        settings: { name: string; type: string; required?: boolean; secret?: boolean }[];
      }[];
    }>(client, 'ListDestinationTypes', {}, key);
    expect(data.map((type) => type.type)).toEqual(['webhook', 'email', 'sqs', 'oauth2_webhook']);
    expect(data[0].settings).toEqual([
      expect.objectContaining({ name: 'url', type: 'url', required: true }),
      expect.objectContaining({ name: 'headers', type: 'string_map', secret: true }),
    ]);
    expect(
      (await failure(call(client, 'ListDestinationTypes', {}, config.auth.adminToken ?? ''))).code,
    ).toBe(status.PERMISSION_DENIED);
  });

  describe('events', () => {
    type GrpcEventDelivery = {
      id: string;
      subscription_id: string;
      origin: string;
      status: string;
      attempts?: number;
    };
    type GrpcEvent = {
      id: string;
      type: string;
      occurred_at: string;
      received_at: string;
      subject?: string;
      changed_fields?: { values?: string[] };
      data?: ProtoStruct;
      data_value: ProtoValue;
      deliveries?: GrpcEventDelivery[];
    };

    it('publishes the envelope to herald.events.inbound, data from a Struct, id from idempotency_key', async () => {
      const { tenantId, key } = await tenantWithKey('grpc-publish');
      const idempotencyKey = `order:${newId('evt')}`;
      const data = { meter_id: 'm-1', reading: { kwh: 3.5 }, flags: [true, null, 'x'] };
      const accepted = await call(
        client,
        'PublishEvent',
        {
          type: 'meter_data.received',
          subject: 'meter/m-1',
          changed_fields: { values: [] },
          data: toStruct(data),
          idempotency_key: idempotencyKey,
        },
        key,
      );
      expect(accepted).toEqual({ id: idempotencyKey, status: 'accepted' });
      const envelope = await waitFor('the published envelope', () =>
        inbound.messages.find((message) => message.id === idempotencyKey),
      );
      expect(envelope).toMatchObject({
        id: idempotencyKey,
        tenant_id: tenantId,
        type: 'meter_data.received',
        subject: 'meter/m-1',
        changed_fields: [],
        data,
      });

      const generated = await call<{ id: string }>(
        client,
        'PublishEvent',
        { type: 'meter.created', data: toStruct({}) },
        key,
      );
      expect(generated.id).toMatch(/^evt_/);
    });

    // Issue 13: `data` is a Struct, so objects only; `data_value` carries any JSON value but null.
    it('publishes and gets data that is a list or a scalar in data_value, data only when an object', async () => {
      const { tenantId, key } = await tenantWithKey('grpc-any-data');
      const payloads: EventData[] = [
        [{ meter_id: 'm-1', start_interval: '2024-05-02T12:00:00Z' }, { meter_id: 'm-2' }],
        'm-1',
        12.5,
        false,
        { meter_id: 'm-1' },
      ];
      for (const data of payloads) {
        const { id } = await call<{ id: string }>(
          client,
          'PublishEvent',
          { type: 'meter_data.received', data_value: toValue(data) },
          key,
        );
        const envelope = await waitFor('the published envelope', () =>
          inbound.messages.find((message) => message.id === id),
        );
        expect(envelope).toMatchObject({ tenant_id: tenantId, data });

        const now = new Date().toISOString();
        const { event } = await events.store({
          ...METER_EVENT,
          id: newId('evt'),
          tenantId,
          occurredAt: now,
          receivedAt: now,
          data,
        });
        const fetched = await call<GrpcEvent>(client, 'GetEvent', { id: event.id }, key);
        expect(fromValue(fetched.data_value)).toEqual(data);
        expect(fetched.data && fromStruct(fetched.data)).toEqual(
          Array.isArray(data) || typeof data !== 'object' ? undefined : data,
        );
      }

      const both = await failure(
        call(
          client,
          'PublishEvent',
          { type: 'meter.created', data: toStruct({}), data_value: toValue([]) },
          key,
        ),
      );
      expect([both.code, fieldsOf(both)]).toEqual([status.INVALID_ARGUMENT, ['data_value']]);
      const nullData = await failure(
        call(
          client,
          'PublishEvent',
          { type: 'meter.created', data_value: { nullValue: 'NULL_VALUE' } },
          key,
        ),
      );
      expect([nullData.code, fieldsOf(nullData)]).toEqual([status.INVALID_ARGUMENT, ['data']]);
    });

    it('names the bad field of an envelope', async () => {
      const { key } = await tenantWithKey('grpc-publish-invalid');
      const cases: [object, string][] = [
        [{ data: toStruct({}) }, 'type'],
        [{ type: 'meter.created' }, 'data'],
        [{ type: 'meter.created', data: toStruct({}), occurred_at: 'yesterday' }, 'occurred_at'],
        [{ type: 'meter.created', data: toStruct({}), tenant_id: 'ten_other' }, 'tenant_id'],
        [{ type: 'meter.created', data: toStruct({}), idempotency_key: 'a b' }, 'idempotency_key'],
      ];
      for (const [request, field] of cases) {
        const error = await failure(call(client, 'PublishEvent', request, key));
        expect({ field, code: error.code, fields: fieldsOf(error) }).toEqual({
          field,
          code: status.INVALID_ARGUMENT,
          fields: [field],
        });
      }
    });

    // Nesting cannot reach Herald's limit here: protobuf's own (100 messages, ~49 JSON levels) is lower.
    it('refuses NUL characters, in data and in any other field', async () => {
      const { key } = await tenantWithKey('grpc-publish-poison');
      const cases: object[] = [
        { type: 'meter.created', data: toStruct({ note: 'a\u0000b' }) },
        { type: 'meter.created', data: toStruct({ ['key\u0000']: 1 }) },
        { type: 'meter.created', subject: 'node/\u0000', data: toStruct({}) },
      ];
      for (const request of cases) {
        const error = await failure(call(client, 'PublishEvent', request, key));
        expect(error.code).toBe(status.INVALID_ARGUMENT);
        expect(error.body.error.code).toBe('invalid_text');
        expect(error.body.error.message).toContain('NUL');
      }
      const eventType = await failure(
        call(client, 'CreateEventType', { name: 'a.b', description: 'x\u0000' }, key),
      );
      expect(eventType.code).toBe(status.INVALID_ARGUMENT);
    });

    it('lists events, gets one with its deliveries and replays it', async () => {
      const { tenantId, key } = await tenantWithKey('grpc-events');
      const subscriptionId = await subscribe(key);
      const { event, deliveryId } = await delivered(tenantId, subscriptionId);

      const page = await call<GrpcPage<GrpcEvent>>(
        client,
        'ListEvents',
        { type: 'meter.*', limit: 10 },
        key,
      );
      expect(page.data).toEqual([
        {
          id: event.id,
          type: 'meter.created',
          occurred_at: event.occurredAt,
          received_at: event.receivedAt,
          subject: 'meter/m-7',
          changed_fields: { values: ['meter.reading'] },
        },
      ]);

      const fetched = await call<GrpcEvent>(client, 'GetEvent', { id: event.id }, key);
      expect(fromStruct(fetched.data ?? {})).toEqual(event.data);
      expect(fromValue(fetched.data_value)).toEqual(event.data);
      expect(fetched.deliveries).toEqual([
        expect.objectContaining({
          id: deliveryId,
          subscription_id: subscriptionId,
          origin: 'event',
          status: 'pending',
        }),
      ]);

      const named = await call<{ deliveries: GrpcEventDelivery[] }>(
        client,
        'ReplayEvent',
        { id: event.id, subscription_ids: { values: [subscriptionId] } },
        key,
      );
      expect(named.deliveries).toEqual([
        expect.objectContaining({ subscription_id: subscriptionId, origin: 'replay' }),
      ]);
      const matching = await call<{ deliveries: GrpcEventDelivery[] }>(
        client,
        'ReplayEvent',
        { id: event.id },
        key,
      );
      expect(matching.deliveries.map((delivery) => delivery.subscription_id)).toEqual([
        subscriptionId,
      ]);

      const since = await failure(call(client, 'ListEvents', { since: 'yesterday' }, key));
      expect(since.code).toBe(status.INVALID_ARGUMENT);
      expect(fieldsOf(since)).toEqual(['since']);
      const empty = await failure(
        call(client, 'ReplayEvent', { id: event.id, subscription_ids: { values: [] } }, key),
      );
      expect(empty.code).toBe(status.INVALID_ARGUMENT);
      expect(fieldsOf(empty)).toEqual(['subscription_ids']);
    });

    it('answers NOT_FOUND for another tenant’s event and leaks nothing', async () => {
      const owner = await tenantWithKey('grpc-events-owner');
      const intruder = await tenantWithKey('grpc-events-intruder');
      const { event } = await delivered(owner.tenantId, await subscribe(owner.key));
      for (const method of ['GetEvent', 'ReplayEvent']) {
        const error = await failure(call(client, method, { id: event.id }, intruder.key));
        expect({ method, code: error.code }).toEqual({ method, code: status.NOT_FOUND });
        expect(JSON.stringify(error.body)).not.toContain('m-7');
      }
      const listed = await call<GrpcPage<GrpcEvent>>(client, 'ListEvents', {}, intruder.key);
      expect(listed.data ?? []).toEqual([]);
    });
  });

  describe('deliveries', () => {
    it('lists by the REST filters, gets one with its attempts, and retries it', async () => {
      const { tenantId, key } = await tenantWithKey('grpc-deliveries');
      const subscriptionId = await subscribe(key);
      const failed = await delivered(tenantId, subscriptionId, 'failed');
      const pending = await delivered(tenantId, subscriptionId);

      const all = await call<GrpcPage<GrpcDelivery>>(
        client,
        'ListDeliveries',
        { subscription_id: subscriptionId, limit: 1 },
        key,
      );
      expect(all.data.map((delivery) => delivery.id)).toEqual([pending.deliveryId]);
      const next = await call<GrpcPage<GrpcDelivery>>(
        client,
        'ListDeliveries',
        { subscription_id: subscriptionId, limit: 1, cursor: all.next_cursor },
        key,
      );
      expect(next.data.map((delivery) => delivery.id)).toEqual([failed.deliveryId]);
      const filtered = await call<GrpcPage<GrpcDelivery>>(
        client,
        'ListDeliveries',
        { status: ['failed', 'dead'], q: 'MAINTENANCE', event_id: failed.event.id },
        key,
      );
      expect(filtered.data).toEqual([
        expect.objectContaining({
          id: failed.deliveryId,
          subscription_id: subscriptionId,
          event_id: failed.event.id,
          event_type: 'meter.created',
          origin: 'event',
          status: 'failed',
          attempts: 1,
          last_attempt_at: expect.any(String) as string,
        }),
      ]);

      const detail = await call<GrpcDeliveryDetail>(
        client,
        'GetDelivery',
        { id: failed.deliveryId },
        key,
      );
      expect(detail).toMatchObject({
        id: failed.deliveryId,
        webhook_id: failed.deliveryId,
        status: 'failed',
      });
      expect(detail.attempts).toEqual([
        {
          attempt: 1,
          started_at: expect.any(String) as string,
          duration_ms: 7,
          outcome: 'failed',
          status_code: 503,
          error_class: 'retryable',
          error_message: 'HTTP 503',
          response_excerpt: 'down for maintenance',
          request_body: '{"type":"meter.created"}',
        },
      ]);
      expect(detail.redriven_at).toBeUndefined();

      const retried = await call<GrpcDelivery>(
        client,
        'RetryDelivery',
        { id: failed.deliveryId },
        key,
      );
      expect(retried).toMatchObject({
        subscription_id: subscriptionId,
        event_id: failed.event.id,
        origin: 'retry',
        status: 'pending',
      });
      expect(retried.id).not.toBe(failed.deliveryId);
      // The same message sent again: it keeps the original's `webhook-id`.
      expect(retried.webhook_id).toBe(failed.deliveryId);
      expect(
        (await call<GrpcDeliveryDetail>(client, 'GetDelivery', { id: failed.deliveryId }, key))
          .redriven_at,
      ).toEqual(expect.any(String));
    });

    it('names every bad filter', async () => {
      const { key } = await tenantWithKey('grpc-deliveries-invalid');
      const error = await failure(
        call(
          client,
          'ListDeliveries',
          { status: ['failed', 'lost'], since: 'now', limit: 500 },
          key,
        ),
      );
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(fieldsOf(error).sort()).toEqual(['limit', 'since', 'status']);
    });

    it('answers NOT_FOUND for another tenant’s delivery and leaks nothing', async () => {
      const owner = await tenantWithKey('grpc-deliveries-owner');
      const intruder = await tenantWithKey('grpc-deliveries-intruder');
      const subscriptionId = await subscribe(owner.key);
      const { deliveryId } = await delivered(owner.tenantId, subscriptionId, 'failed');
      for (const method of ['GetDelivery', 'RetryDelivery']) {
        const error = await failure(call(client, method, { id: deliveryId }, intruder.key));
        expect({ method, code: error.code }).toEqual({ method, code: status.NOT_FOUND });
        expect(JSON.stringify(error.body)).not.toContain('maintenance');
      }
      const listed = await call<GrpcPage<GrpcDelivery>>(
        client,
        'ListDeliveries',
        { subscription_id: subscriptionId },
        intruder.key,
      );
      expect(listed.data ?? []).toEqual([]);
    });
  });

  describe('dead letters', () => {
    it('lists dead letters with their attempts and redrives them by id and by range', async () => {
      const { tenantId, key } = await tenantWithKey('grpc-dead-letters');
      const subscriptionId = await subscribe(key);
      const dead = await delivered(tenantId, subscriptionId, 'dead');
      await delivered(tenantId, subscriptionId, 'failed');

      const listed = await call<GrpcPage<GrpcDeliveryDetail>>(
        client,
        'ListDeadLetters',
        { subscription_id: subscriptionId },
        key,
      );
      expect(listed.data).toEqual([
        expect.objectContaining({
          id: dead.deliveryId,
          status: 'dead',
          attempts: [expect.objectContaining({ attempt: 1, status_code: 503 })],
        }),
      ]);

      const redriven = await call<{
        redriven: number;
        deliveries: GrpcDelivery[];
        has_more?: boolean;
      }>(client, 'RedriveDeadLetters', { ids: { values: [dead.deliveryId] } }, key);
      expect(redriven.redriven).toBe(1);
      expect(redriven.has_more).toBe(false);
      expect(redriven.deliveries).toEqual([
        expect.objectContaining({
          subscription_id: subscriptionId,
          event_id: dead.event.id,
          origin: 'retry',
        }),
      ]);
      const after = await call<GrpcPage<GrpcDeliveryDetail>>(
        client,
        'ListDeadLetters',
        { subscription_id: subscriptionId },
        key,
      );
      expect(after.data ?? []).toEqual([]);
      const withRedriven = await call<GrpcPage<GrpcDeliveryDetail>>(
        client,
        'ListDeadLetters',
        { subscription_id: subscriptionId, include_redriven: true },
        key,
      );
      expect(withRedriven.data).toEqual([
        expect.objectContaining({
          id: dead.deliveryId,
          redriven_at: expect.any(String) as string,
        }),
      ]);

      const later = await delivered(tenantId, subscriptionId, 'dead');
      const byRange = await call<{ redriven: number; deliveries: GrpcDelivery[] }>(
        client,
        'RedriveDeadLetters',
        { subscription_id: subscriptionId },
        key,
      );
      expect(byRange.redriven).toBe(1);
      expect(byRange.deliveries.map((delivery) => delivery.event_id)).toEqual([later.event.id]);
    });

    it('names bad fields', async () => {
      const { key } = await tenantWithKey('grpc-dead-letters-invalid');
      const unselective = await failure(call(client, 'RedriveDeadLetters', {}, key));
      expect(unselective.code).toBe(status.INVALID_ARGUMENT);
      expect(fieldsOf(unselective)).toEqual(['ids']);
      const since = await failure(call(client, 'ListDeadLetters', { since: 'today' }, key));
      expect(since.code).toBe(status.INVALID_ARGUMENT);
      expect(fieldsOf(since)).toEqual(['since']);
    });

    /** As over REST: another tenant's id is not one of the caller's dead letters (422, not 404). */
    it('does not redrive or list another tenant’s dead letters, and leaks nothing', async () => {
      const owner = await tenantWithKey('grpc-dead-letters-owner');
      const intruder = await tenantWithKey('grpc-dead-letters-intruder');
      const subscriptionId = await subscribe(owner.key);
      const dead = await delivered(owner.tenantId, subscriptionId, 'dead');
      const error = await failure(
        call(client, 'RedriveDeadLetters', { ids: { values: [dead.deliveryId] } }, intruder.key),
      );
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(error.body.error.details).toEqual([
        { field: 'ids[0]', message: 'is not a dead letter' },
      ]);
      expect(JSON.stringify(error.body)).not.toContain(subscriptionId);
      const listed = await call<GrpcPage<GrpcDeliveryDetail>>(
        client,
        'ListDeadLetters',
        { subscription_id: subscriptionId },
        intruder.key,
      );
      expect(listed.data ?? []).toEqual([]);
      const kept = await call<GrpcPage<GrpcDeliveryDetail>>(
        client,
        'ListDeadLetters',
        { subscription_id: subscriptionId },
        owner.key,
      );
      expect(kept.data.map((deadLetter) => deadLetter.id)).toEqual([dead.deliveryId]);
    });
  });

  describe('subscription actions', () => {
    it('previews what a subscription and an event type would send, sending nothing', async () => {
      const { key } = await tenantWithKey('grpc-preview');
      const subscriptionId = await subscribe(key);
      await call(
        client,
        'UpdateSubscription',
        {
          id: subscriptionId,
          subscription: { transformation: '{"meter": event.data.meter_id, "n": attempt}' },
        },
        key,
      );
      const event = { type: 'meter.created', data: toStruct({ meter_id: 'm-9' }) };
      const preview = await call<{
        would_deliver: boolean;
        reasons?: string[];
        transformation?: string;
        raw_body?: string;
        headers: Record<string, string>;
        event: { type: string; data: object };
      }>(client, 'PreviewSubscription', { id: subscriptionId, event }, key);
      expect(preview.reasons ?? []).toEqual([]);
      expect(preview).toMatchObject({
        would_deliver: true,
        transformation: 'subscription',
        raw_body: '{"meter":"m-9","n":1}',
        event: { type: 'meter.created', data: { structValue: expect.any(Object) as object } },
      });
      expect(Object.keys(preview.headers)).toEqual(
        expect.arrayContaining(['content-type', 'webhook-id', 'webhook-signature']),
      );
      const other = await call<{ would_deliver: boolean; reasons: string[] }>(
        client,
        'PreviewSubscription',
        { id: subscriptionId, event: { type: 'user.created', data: toStruct({}) } },
        key,
      );
      expect(other).toMatchObject({
        would_deliver: false,
        reasons: ['event_types does not include user.created'],
      });
      const both = await failure(
        call(client, 'PreviewSubscription', { id: subscriptionId, event_id: 'evt_1', event }, key),
      );
      expect(both.code).toBe(status.INVALID_ARGUMENT);

      await call(
        client,
        'CreateEventType',
        { name: 'meter.created', payload_fields: { values: ['meter_id'] } },
        key,
      );
      const typed = await call<{
        transformation: boolean;
        raw_body?: string;
        schema_error?: object;
      }>(
        client,
        'PreviewEventType',
        { name: 'meter.created', event: { data: toStruct({ meter_id: 'm-1', extra: 1 }) } },
        key,
      );
      expect(typed.transformation).toBe(false);
      expect(typed.schema_error).toBeUndefined();
      expect(JSON.parse(typed.raw_body ?? '{}')).toMatchObject({
        type: 'meter.created',
        subscription_id: 'sub_preview',
        data: { meter_id: 'm-1' },
      });
    });

    it('sends a test event to the subscription alone and answers while it is under way', async () => {
      const { key } = await tenantWithKey('grpc-test');
      const subscriptionId = await subscribe(key, slowUrl);
      await subscribe(key);
      const result = await call<{
        attempted?: boolean;
        delivery: GrpcDelivery;
        attempt?: object;
      }>(
        client,
        'TestSubscription',
        { id: subscriptionId, event_type: 'meter.tested', data: toStruct({ hello: 'world' }) },
        key,
      );
      expect(result.attempted).toBe(false);
      expect(result.attempt).toBeUndefined();
      expect(result.delivery).toMatchObject({
        subscription_id: subscriptionId,
        event_type: 'meter.tested',
        origin: 'test',
        status: 'pending',
      });
      const event = await call<{ data: ProtoStruct; deliveries: GrpcDelivery[] }>(
        client,
        'GetEvent',
        { id: result.delivery.event_id },
        key,
      );
      expect(fromStruct(event.data)).toEqual({ hello: 'world' });
      expect(event.deliveries.map((delivery) => delivery.subscription_id)).toEqual([
        subscriptionId,
      ]);
    });

    it('sends a test event whose data is a list, from data_value', async () => {
      const { key } = await tenantWithKey('grpc-test-list');
      const subscriptionId = await subscribe(key, slowUrl);
      const data = [{ meter_id: 'm-1' }, { meter_id: 'm-2' }];
      const result = await call<{ delivery: GrpcDelivery }>(
        client,
        'TestSubscription',
        { id: subscriptionId, event_type: 'meter_data.received', data_value: toValue(data) },
        key,
      );
      const event = await call<{ data?: ProtoStruct; data_value: ProtoValue }>(
        client,
        'GetEvent',
        { id: result.delivery.event_id },
        key,
      );
      expect(fromValue(event.data_value)).toEqual(data);
      expect(event.data).toBeUndefined();
    });

    it('recovers failed and dead deliveries since a time, once', async () => {
      const { tenantId, key } = await tenantWithKey('grpc-recover');
      const subscriptionId = await subscribe(key);
      await delivered(tenantId, subscriptionId, 'failed');
      await delivered(tenantId, subscriptionId, 'dead');
      await delivered(tenantId, subscriptionId, 'retrying');
      const since = new Date(Date.now() - 60_000).toISOString();
      expect(await call(client, 'RecoverSubscription', { id: subscriptionId, since }, key)).toEqual(
        { recovered: 2 },
      );
      expect(await call(client, 'RecoverSubscription', { id: subscriptionId, since }, key)).toEqual(
        { recovered: 0 },
      );
    });

    it('names bad fields', async () => {
      const { key } = await tenantWithKey('grpc-actions-invalid');
      const subscriptionId = await subscribe(key);
      const cases: [string, object, string][] = [
        ['TestSubscription', { id: subscriptionId, event_type: 'not a type' }, 'event_type'],
        [
          'TestSubscription',
          { id: subscriptionId, data: toStruct({}), data_value: toValue({}) },
          'data_value',
        ],
        ['RecoverSubscription', { id: subscriptionId }, 'since'],
        ['RecoverSubscription', { id: subscriptionId, since: '2999-01-01T00:00:00Z' }, 'since'],
        ['RecoverSubscription', { since: new Date().toISOString() }, 'id'],
      ];
      for (const [method, request, field] of cases) {
        const error = await failure(call(client, method, request, key));
        expect({ method, field, code: error.code, fields: fieldsOf(error) }).toEqual({
          method,
          field,
          code: status.INVALID_ARGUMENT,
          fields: [field],
        });
      }
    });

    it('answers NOT_FOUND for another tenant’s subscription', async () => {
      const owner = await tenantWithKey('grpc-actions-owner');
      const intruder = await tenantWithKey('grpc-actions-intruder');
      const subscriptionId = await subscribe(owner.key);
      await delivered(owner.tenantId, subscriptionId, 'failed');
      for (const [method, request] of [
        ['TestSubscription', { id: subscriptionId }],
        ['RecoverSubscription', { id: subscriptionId, since: new Date(0).toISOString() }],
      ] as const) {
        const error = await failure(call(client, method, request, intruder.key));
        expect({ method, code: error.code }).toEqual({ method, code: status.NOT_FOUND });
      }
      expect(
        await call(
          client,
          'RecoverSubscription',
          { id: subscriptionId, since: new Date(0).toISOString() },
          owner.key,
        ),
      ).toEqual({ recovered: 1 });
    });
  });
});
