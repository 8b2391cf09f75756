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
import type { HeraldConfig } from '@herald/config';
import { ADMIN_PROTO, protoRoot, Topics } from '@herald/contracts';
import { createKafkaClient, TypedProducer } from '@herald/kafka';
import { findFreePort } from '@herald/local-infra';
import { createService } from '@herald/runtime';
import { appUrl, closedPort, TcpProxy, testConfig, waitFor } from '@herald/testing';
import { UNAVAILABLE_RETRY_AFTER_SECONDS } from './errors/api-error';
import { unavailableDependency } from './errors/unavailable-dependency';
import { attachGrpc } from './grpc/attach-grpc';
import { openApiDocument } from './openapi/openapi-document';
import { SubscriptionApiModule } from './subscription-api.module';

type ErrorBody = { error: { code: string; message: string; details: unknown[] } };

type Answer = { status: number; retryAfter: string | null; body: unknown };

type Call = (
  request: object,
  metadata: Metadata,
  callback: (error: ServiceError | null, response: unknown) => void,
) => void;

/** A real @grpc/grpc-js client of herald.admin.v1.AdminService. */
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

/** A gRPC call's outcome: its status code and, on failure, the REST error body it carries. */
function grpcCall(
  client: Record<string, Call>,
  method: string,
  token: string,
): Promise<{ code: number; body: ErrorBody | null }> {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return new Promise((resolve) =>
    client[method]({}, metadata, (error) =>
      resolve(
        error
          ? { code: error.code, body: JSON.parse(error.details) as ErrorBody }
          : { code: status.OK, body: null },
      ),
    ),
  );
}

/**
 * The event the tests publish; event-ingest does not run here, and one that runs in a later suite
 * stores it for this suite's own tenant.
 */
const EVENT = { type: 'meter.created', data: { meter_id: 'm-1' } };

const SUBSCRIPTION = {
  event_types: ['meter.*'],
  destination: { type: 'webhook', url: 'https://example.com/hooks' },
};

/** A body each operation takes, so that only the missing database can refuse the request. */
const VALID_BODIES: Record<string, unknown> = {
  createTenant: { name: 'unavailable' },
  updateTenant: { retention: '90d' },
  createApiKey: { name: 'unavailable' },
  rotateApiKey: {},
  createConsoleSession: { tenant_id: 'ten_01hzzzzzzzzzzzzzzzzzzzzzzz', read_only: true },
  exchangeConsoleSession: { token: `hcl_${'a'.repeat(43)}` },
  revokeAllConsoleSessions: { tenant_id: 'ten_01hzzzzzzzzzzzzzzzzzzzzzzz' },
  createEventType: { name: 'meter.read' },
  previewEventType: { event: { data: { meter_id: 'm-1' } } },
  updateEventType: { description: 'readings' },
  createSubscription: SUBSCRIPTION,
  updateSubscription: { description: 'hooks' },
  rotateSubscriptionSecret: {},
  ingestEvent: EVENT,
  replayEvent: {},
  previewSubscription: { event: EVENT },
  testSubscription: {},
  recoverSubscription: { since: '2020-01-01T00:00:00Z' },
  redriveDeadLetters: { subscription_id: 'sub_01hzzzzzzzzzzzzzzzzzzzzzzz' },
};

type DocumentOperation = {
  operationId: string;
  security?: Record<string, string[]>[];
  requestBody?: unknown;
  responses: Record<string, unknown>;
};

/** Every operation of the OpenAPI document, with its method and path. */
const documentOperations = (): { method: string; path: string; operation: DocumentOperation }[] =>
  Object.entries(
    openApiDocument().paths as Record<string, Record<string, DocumentOperation>>,
  ).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      operation,
    })),
  );

describe('subscription-api while PostgreSQL is down', () => {
  let proxy: TcpProxy;
  let config: HeraldConfig;
  let app: INestApplication;
  let grpc: Client & Record<string, Call>;
  let apiKey: string;
  let tenantId: string;

  /**
   * One REST call, with the Retry-After header the JSON client does not show. A request that hangs
   * fails here rather than at the suite's timeout: answers are expected in milliseconds.
   */
  async function call(token: string, method: string, path: string, body?: unknown) {
    const response = await fetch(appUrl(app) + path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    return {
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      body: text ? (JSON.parse(text) as unknown) : null,
    } satisfies Answer;
  }

  /** The calls a tenant and an operator make, each with the status it answers while all is well. */
  const calls = (): { name: string; ok: number; run: () => Promise<Answer> }[] => [
    {
      name: 'GET /v1/subscriptions',
      ok: 200,
      run: () => call(apiKey, 'GET', '/v1/subscriptions'),
    },
    {
      name: 'POST /v1/subscriptions',
      ok: 201,
      run: () => call(apiKey, 'POST', '/v1/subscriptions', SUBSCRIPTION),
    },
    {
      name: 'GET /v1/tenants (operator)',
      ok: 200,
      run: () => call(config.auth.adminToken ?? '', 'GET', '/v1/tenants'),
    },
    { name: 'POST /v1/events', ok: 202, run: () => call(apiKey, 'POST', '/v1/events', EVENT) },
  ];

  beforeAll(async () => {
    const databaseUrl = process.env.DATABASE_URL as string;
    proxy = await TcpProxy.inFrontOf(databaseUrl);
    config = testConfig({
      DATABASE_URL: proxy.proxiedUrl(databaseUrl),
      HERALD_GRPC_PORT: String(await findFreePort()),
    });
    app = await createService(
      'subscription-api',
      SubscriptionApiModule.forRoot(config),
      config,
      (created) => attachGrpc(created, config),
    );
    grpc = adminClient(`127.0.0.1:${config.server.grpcPort}`);
    const tenant = await call(config.auth.adminToken ?? '', 'POST', '/v1/tenants', {
      name: 'unavailable',
    });
    ({ id: tenantId } = tenant.body as { id: string });
    const key = await call(
      config.auth.adminToken ?? '',
      'POST',
      `/v1/tenants/${tenantId}/api-keys`,
      {
        name: 'unavailable',
      },
    );
    apiKey = (key.body as { key: string }).key;
  });

  afterAll(async () => {
    proxy?.restore();
    grpc?.close();
    await app?.close();
    await proxy?.close();
  });

  it('answers as usual through the proxy while PostgreSQL is reachable', async () => {
    for (const { name, ok, run } of calls()) {
      expect({ name, status: (await run()).status }).toEqual({ name, status: ok });
    }
    expect(await grpcCall(grpc, 'ListSubscriptions', apiKey)).toEqual({
      code: status.OK,
      body: null,
    });
  });

  it('answers 503 unavailable with Retry-After on every route, REST and gRPC, while it is down', async () => {
    proxy.cut();
    for (const { name, run } of calls()) {
      const answer = await run();
      expect({ name, ...answer }).toEqual({
        name,
        status: 503,
        retryAfter: String(UNAVAILABLE_RETRY_AFTER_SECONDS),
        body: {
          error: {
            code: 'unavailable',
            message: 'PostgreSQL is unavailable; try again shortly',
            details: [],
          },
        },
      });
    }
    for (const [method, token] of [
      ['ListSubscriptions', apiKey],
      ['ListTenants', config.auth.adminToken ?? ''],
    ] as const) {
      const answer = await grpcCall(grpc, method, token);
      expect({ method, code: answer.code, error: answer.body?.error.code }).toEqual({
        method,
        code: status.UNAVAILABLE,
        error: 'unavailable',
      });
    }
  });

  it('answers 503 unavailable with Retry-After on every operation of the OpenAPI document, which declares it, while it is down', async () => {
    const ids: Record<string, string> = {
      id: tenantId,
      key_id: 'key_01hzzzzzzzzzzzzzzzzzzzzzzz',
      name: 'meter.created',
    };
    proxy.cut();
    const answers: { route: string; status: number; code: unknown; retryAfter: string | null }[] =
      [];
    for (const { method, path, operation } of documentOperations()) {
      expect({ route: `${method} ${path}`, declares503: '503' in operation.responses }).toEqual({
        route: `${method} ${path}`,
        declares503: true,
      });
      const operator = operation.security?.some((scheme) => 'operatorToken' in scheme) ?? false;
      // Ids need not exist: the database is asked before anything is found missing.
      const concrete = path.replace(/\{(\w+)\}/g, (_match, name: string) =>
        path.startsWith('/v1/tenants') || name !== 'id'
          ? ids[name]
          : 'sub_01hzzzzzzzzzzzzzzzzzzzzzzz',
      );
      const answer = await call(
        operator ? (config.auth.adminToken ?? '') : apiKey,
        method,
        concrete,
        operation.requestBody ? VALID_BODIES[operation.operationId] : undefined,
      );
      answers.push({
        route: `${method} ${path}`,
        status: answer.status,
        code: (answer.body as ErrorBody | null)?.error?.code,
        retryAfter: answer.retryAfter,
      });
    }
    proxy.restore();
    expect(answers).toEqual(
      answers.map(({ route }) => ({
        route,
        status: 503,
        code: 'unavailable',
        retryAfter: String(UNAVAILABLE_RETRY_AFTER_SECONDS),
      })),
    );
    expect(answers.length).toBeGreaterThanOrEqual(34);
  });

  it('answers 503 rather than waiting on a PostgreSQL that accepts connections and never answers', async () => {
    proxy.cut('silence');
    // The pool gives up on a new connection after its connect timeout (5 s); `call` aborts at 10 s.
    const answer = await call(apiKey, 'GET', '/v1/subscriptions');
    proxy.restore();
    expect(answer).toEqual({
      status: 503,
      retryAfter: String(UNAVAILABLE_RETRY_AFTER_SECONDS),
      body: {
        error: {
          code: 'unavailable',
          message: 'PostgreSQL is unavailable; try again shortly',
          details: [],
        },
      },
    });
  });

  it('answers as usual again within seconds of PostgreSQL coming back', async () => {
    proxy.cut();
    expect((await call(apiKey, 'GET', '/v1/subscriptions')).status).toBe(503);
    proxy.restore();
    await waitFor(
      'the API to reach PostgreSQL again',
      async () => (await call(apiKey, 'GET', '/v1/subscriptions')).status === 200,
      5_000,
    );
    for (const { name, ok, run } of calls()) {
      expect({ name, status: (await run()).status }).toEqual({ name, status: ok });
    }
    expect((await grpcCall(grpc, 'ListSubscriptions', apiKey)).code).toBe(status.OK);
  });
});

describe('the event producer when no Kafka broker answers', () => {
  it('fails with an error that reads as Kafka being unavailable', async () => {
    // The producer and client settings of every service; kafkajs spends its retries (about 20 s)
    // before it gives up on a broker that refuses connections.
    const producer = new TypedProducer(
      createKafkaClient({ brokers: [`127.0.0.1:${await closedPort()}`], clientId: 'unavailable' }),
    );
    const failure = await producer
      .send(Topics.eventsInbound, [{ key: 'ten_1', value: Buffer.from(JSON.stringify(EVENT)) }])
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(failure).toBeInstanceOf(Error);
    expect(unavailableDependency(failure)).toBe('kafka');
  }, 60_000);
});
