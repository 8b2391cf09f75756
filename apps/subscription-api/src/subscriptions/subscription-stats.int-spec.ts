import {
  credentials,
  loadPackageDefinition,
  Metadata,
  status,
  type GrpcObject,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ADMIN_PROTO, protoRoot } from '@herald/contracts';
import { newId, type DeliveryStatus } from '@herald/domain';
import { findFreePort } from '@herald/local-infra';
import { dataSourceOptions, DeliveriesRepository, EventsRepository } from '@herald/persistence';
import { createService } from '@herald/runtime';
import { ApiClient, appUrl, testConfig } from '@herald/testing';
import { attachGrpc } from '../grpc/attach-grpc';
import { SubscriptionApiModule } from '../subscription-api.module';

type Latency = { p50: number | null; p95: number | null; p99: number | null };
type Counts = {
  deliveries: number;
  succeeded: number;
  retrying: number;
  pending: number;
  failed: number;
  dead: number;
  attempts: number;
  latency_ms: Latency;
};
type Stats = {
  subscription_id: string;
  window: string;
  bucket_seconds: number;
  since: string;
  until: string;
  buckets: (Counts & { start: string })[];
  totals: Counts;
};
type ErrorBody = {
  error: { code: string; message: string; details: { field: string; message: string }[] };
};
type Call = (
  request: object,
  metadata: Metadata,
  callback: (error: ServiceError | null, response: unknown) => void,
) => void;

const NOWHERE = 'http://127.0.0.1:9/hooks';
const MINUTE = 60_000;
const EMPTY: Omit<Counts, 'latency_ms'> = {
  deliveries: 0,
  succeeded: 0,
  retrying: 0,
  pending: 0,
  failed: 0,
  dead: 0,
  attempts: 0,
};
const NO_LATENCY: Latency = { p50: null, p95: null, p99: null };

/** A delivery as the deliverer leaves it: `attempts` attempts, the last ending in `status`. */
interface Seed {
  status: DeliveryStatus;
  attempts: number;
  /** How long before now it was created. */
  agoMs: number;
  /** For a succeeded one: creation to the end of the successful attempt. */
  latencyMs?: number;
}

describe('GET /v1/subscriptions/{id}/stats', () => {
  let app: INestApplication;
  let operator: ApiClient;
  let anonymous: ApiClient;
  let db: DataSource;
  let events: EventsRepository;
  let deliveries: DeliveriesRepository;
  let grpc: Record<string, Call> & { close(): void };

  beforeAll(async () => {
    const config = testConfig({ HERALD_GRPC_PORT: String(await findFreePort()) });
    app = await createService(
      'subscription-api',
      SubscriptionApiModule.forRoot(config),
      config,
      (created) => attachGrpc(created, config),
    );
    operator = new ApiClient(appUrl(app), config.auth.adminToken ?? '');
    anonymous = new ApiClient(appUrl(app), null);
    db = await new DataSource(dataSourceOptions(config.database.url)).initialize();
    events = new EventsRepository(db);
    deliveries = new DeliveriesRepository(db);
    const definition = loadSync(ADMIN_PROTO, {
      keepCase: true,
      defaults: false,
      includeDirs: [protoRoot()],
    });
    const loaded = loadPackageDefinition(definition) as unknown as {
      herald: { admin: { v1: GrpcObject } };
    };
    const Service = loaded.herald.admin.v1.AdminService as ServiceClientConstructor;
    grpc = new Service(
      `127.0.0.1:${config.server.grpcPort}`,
      credentials.createInsecure(),
    ) as unknown as Record<string, Call> & { close(): void };
  });

  afterAll(async () => {
    grpc.close();
    await db.destroy();
    await app.close();
  });

  function grpcCall<T>(method: string, request: object, token: string): Promise<T> {
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${token}`);
    return new Promise((resolve, reject) =>
      grpc[method](request, metadata, (error, response) =>
        error ? reject(error) : resolve(response as T),
      ),
    );
  }

  async function grpcFailure(promise: Promise<unknown>) {
    const error = await promise.then<ServiceError, ServiceError>(
      () => {
        throw new Error('expected the call to fail');
      },
      (caught: ServiceError) => caught,
    );
    return { code: error.code, body: JSON.parse(error.details) as ErrorBody };
  }

  async function subscribe(client: ApiClient): Promise<string> {
    const created = await client.request<{ id: string }>('POST', '/v1/subscriptions', {
      event_types: ['meter.*'],
      destination: { type: 'webhook', url: NOWHERE },
    });
    expect(created.status).toBe(201);
    return created.body.id;
  }

  /** Stores an event and its delivery, its attempts, then moves them back to `seed.agoMs`. */
  async function seed(tenantId: string, subscriptionId: string, seed: Seed): Promise<void> {
    const now = new Date().toISOString();
    const { event } = await events.store({
      id: newId('evt'),
      tenantId,
      type: 'meter.created',
      occurredAt: now,
      receivedAt: now,
      subject: null,
      changedFields: null,
      data: { meter_id: 'm-1' },
    });
    const [{ delivery }] = await deliveries.planForEvent(tenantId, event.id, event.type, [
      subscriptionId,
    ]);
    const createdAt = new Date(Date.now() - seed.agoMs);
    const durationMs = 20;
    for (let attempt = 1; attempt <= seed.attempts; attempt++) {
      const last = attempt === seed.attempts;
      const succeeded = last && seed.status === 'succeeded';
      const startedAt = succeeded
        ? new Date(createdAt.getTime() + (seed.latencyMs ?? 0) - durationMs)
        : new Date(createdAt.getTime() + attempt);
      await deliveries.recordAttempt({
        deliveryId: delivery.id,
        tenantId,
        subscriptionId,
        attempt,
        startedAt,
        durationMs,
        outcome: succeeded ? 'succeeded' : 'failed',
        statusCode: succeeded ? 200 : 503,
        errorClass: succeeded ? null : 'retryable',
        errorMessage: succeeded ? null : 'HTTP 503',
        responseExcerpt: null,
        status: last ? seed.status : 'retrying',
        nextAttemptAt: null,
      });
    }
    await db.query('UPDATE deliveries SET created_at = $2 WHERE id = $1', [delivery.id, createdAt]);
  }

  /** The bucket `agoMs` before now falls in, found by its start. */
  function bucketAt(stats: Stats, agoMs: number, now: number) {
    const at = now - agoMs;
    const bucket = stats.buckets.find(
      (b) => Date.parse(b.start) <= at && at < Date.parse(b.start) + stats.bucket_seconds * 1000,
    );
    if (!bucket) throw new Error(`no bucket holds ${new Date(at).toISOString()}`);
    return bucket;
  }

  it('counts deliveries by status in their buckets, with attempts and latency percentiles', async () => {
    const { tenantId, client } = await operator.createTenant('stats-counts');
    const subscriptionId = await subscribe(client);
    const neighbour = await subscribe(client);
    const now = Date.now();
    for (const latencyMs of [100, 200, 300])
      await seed(tenantId, subscriptionId, {
        status: 'succeeded',
        attempts: latencyMs === 300 ? 2 : 1,
        agoMs: 30 * MINUTE,
        latencyMs,
      });
    await seed(tenantId, subscriptionId, { status: 'dead', attempts: 3, agoMs: 30 * MINUTE });
    await seed(tenantId, subscriptionId, { status: 'retrying', attempts: 1, agoMs: 10 * MINUTE });
    await seed(tenantId, subscriptionId, { status: 'pending', attempts: 0, agoMs: 10 * MINUTE });
    // Outside the hour, inside the day; and another subscription's, counted for it alone.
    await seed(tenantId, subscriptionId, {
      status: 'succeeded',
      attempts: 1,
      agoMs: 3 * 60 * MINUTE,
      latencyMs: 1000,
    });
    await seed(tenantId, neighbour, { status: 'dead', attempts: 1, agoMs: 30 * MINUTE });

    const hour = await client.request<Stats>(
      'GET',
      `/v1/subscriptions/${subscriptionId}/stats?window=1h`,
    );
    expect(hour.status).toBe(200);
    const stats = hour.body;
    expect(stats).toMatchObject({
      subscription_id: subscriptionId,
      window: '1h',
      bucket_seconds: 300,
    });
    expect(stats.buckets).toHaveLength(12);
    expect(Date.parse(stats.until) - Date.parse(stats.since)).toBe(60 * MINUTE);
    expect(Date.parse(stats.since) % (5 * MINUTE)).toBe(0);
    expect(stats.buckets.map((b) => Date.parse(b.start) - Date.parse(stats.since))).toEqual(
      Array.from({ length: 12 }, (_, i) => i * 5 * MINUTE),
    );
    const older = bucketAt(stats, 30 * MINUTE, now);
    expect(older).toEqual({
      start: older.start,
      ...EMPTY,
      deliveries: 4,
      succeeded: 3,
      dead: 1,
      attempts: 1 + 1 + 2 + 3,
      // percentile_cont over 100, 200, 300: interpolated.
      latency_ms: { p50: 200, p95: 290, p99: 298 },
    });
    const newer = bucketAt(stats, 10 * MINUTE, now);
    expect(newer).toEqual({
      start: newer.start,
      ...EMPTY,
      deliveries: 2,
      retrying: 1,
      pending: 1,
      attempts: 1,
      latency_ms: NO_LATENCY,
    });
    for (const bucket of stats.buckets.filter((b) => b !== older && b !== newer))
      expect(bucket).toEqual({ start: bucket.start, ...EMPTY, latency_ms: NO_LATENCY });
    expect(stats.totals).toEqual({
      ...EMPTY,
      deliveries: 6,
      succeeded: 3,
      retrying: 1,
      pending: 1,
      dead: 1,
      attempts: 8,
      latency_ms: { p50: 200, p95: 290, p99: 298 },
    });

    // The default window is a day, in hours: the older success is in it too.
    const day = await client.request<Stats>('GET', `/v1/subscriptions/${subscriptionId}/stats`);
    expect(day.status).toBe(200);
    expect(day.body).toMatchObject({ window: '24h', bucket_seconds: 3600 });
    expect(day.body.buckets).toHaveLength(24);
    expect(day.body.totals).toMatchObject({ deliveries: 7, succeeded: 4, attempts: 9 });
    expect(bucketAt(day.body, 3 * 60 * MINUTE, now)).toMatchObject({
      succeeded: 1,
      latency_ms: { p50: 1000, p95: 1000, p99: 1000 },
    });

    for (const window of ['7d', '30d'] as const) {
      const long = await client.request<Stats>(
        'GET',
        `/v1/subscriptions/${subscriptionId}/stats?window=${window}`,
      );
      expect(long.status).toBe(200);
      expect(long.body.buckets).toHaveLength(window === '7d' ? 28 : 30);
      expect(long.body.totals.deliveries).toBe(7);
    }

    const theNeighbour = await client.request<Stats>(
      'GET',
      `/v1/subscriptions/${neighbour}/stats?window=1h`,
    );
    expect(theNeighbour.body.totals).toMatchObject({ deliveries: 1, dead: 1 });
  });

  it('answers a subscription without deliveries with empty buckets', async () => {
    const { client } = await operator.createTenant('stats-empty');
    const subscriptionId = await subscribe(client);
    const response = await client.request<Stats>(
      'GET',
      `/v1/subscriptions/${subscriptionId}/stats?window=30d`,
    );
    expect(response.status).toBe(200);
    expect(response.body.buckets).toHaveLength(30);
    expect(response.body.totals).toEqual({ ...EMPTY, latency_ms: NO_LATENCY });
    expect(Date.parse(response.body.since) % (24 * 60 * MINUTE)).toBe(0);
  });

  it.each([
    ['window=2h', 'window', 'must be one of 1h, 24h, 7d, 30d'],
    ['window=', 'window', 'must not be empty'],
    ['window=1h&window=24h', 'window', 'must be given once'],
    ['since=2026-01-01T00:00:00Z', 'since', 'is not a known parameter'],
  ])('refuses %s with 422 validation_failed naming %s', async (query, field, message) => {
    const { client } = await operator.createTenant('stats-validation');
    const subscriptionId = await subscribe(client);
    const response = await client.request<ErrorBody>(
      'GET',
      `/v1/subscriptions/${subscriptionId}/stats?${query}`,
    );
    expect(response.status).toBe(422);
    expect(response.body.error).toMatchObject({
      code: 'validation_failed',
      message: expect.stringContaining(field) as string,
      details: [{ field, message }],
    });
  });

  it('answers 404 not_found for another tenant’s subscription, an unknown or a deleted one', async () => {
    const owner = await operator.createTenant('stats-owner');
    const intruder = await operator.createTenant('stats-intruder');
    const subscriptionId = await subscribe(owner.client);
    await seed(owner.tenantId, subscriptionId, { status: 'dead', attempts: 1, agoMs: MINUTE });
    const gone = await subscribe(owner.client);
    expect((await owner.client.request('DELETE', `/v1/subscriptions/${gone}`)).status).toBe(204);
    for (const [client, id] of [
      [intruder.client, subscriptionId],
      [owner.client, 'sub_unknown'],
      [owner.client, gone],
    ] as const) {
      const response = await client.request<ErrorBody>('GET', `/v1/subscriptions/${id}/stats`);
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('not_found');
      expect(JSON.stringify(response.body)).not.toContain('"deliveries"');
    }
    expect(
      (await anonymous.request('GET', `/v1/subscriptions/${subscriptionId}/stats`)).status,
    ).toBe(401);
    // The operator token is not a tenant: it sees no tenant's statistics.
    expect(
      (await operator.request('GET', `/v1/subscriptions/${subscriptionId}/stats`)).status,
    ).toBe(403);
  });

  it('lets a read-only console session read them', async () => {
    const { tenantId, client } = await operator.createTenant('stats-read-only');
    const subscriptionId = await subscribe(client);
    await seed(tenantId, subscriptionId, {
      status: 'succeeded',
      attempts: 1,
      agoMs: MINUTE,
      latencyMs: 50,
    });
    const link = await client.request<{ url: string }>('POST', '/v1/console-sessions', {
      read_only: true,
    });
    expect(link.status).toBe(201);
    const exchanged = await anonymous.request<{ session_key: string }>(
      'POST',
      '/v1/console-sessions/exchange',
      { token: new URL(link.body.url).hash.replace(/^#token=/, '') },
    );
    expect(exchanged.status).toBe(200);
    const session = anonymous.withToken(exchanged.body.session_key);
    const response = await session.request<Stats>(
      'GET',
      `/v1/subscriptions/${subscriptionId}/stats?window=1h`,
    );
    expect(response.status).toBe(200);
    expect(response.body.totals).toMatchObject({ deliveries: 1, succeeded: 1 });
  });

  describe('over gRPC (GetSubscriptionStats)', () => {
    type GrpcStats = Omit<Stats, 'buckets' | 'totals'> & {
      buckets: (Omit<Counts, 'latency_ms'> & { start: string; latency_ms: Partial<Latency> })[];
      totals: Omit<Counts, 'latency_ms'> & { latency_ms: Partial<Latency> };
    };

    it('answers what REST answers; absent percentiles where REST has null', async () => {
      const { tenantId, apiKey, client } = await operator.createTenant('stats-grpc');
      const subscriptionId = await subscribe(client);
      await seed(tenantId, subscriptionId, {
        status: 'succeeded',
        attempts: 2,
        agoMs: 20 * MINUTE,
        latencyMs: 400,
      });
      await seed(tenantId, subscriptionId, { status: 'retrying', attempts: 1, agoMs: 5 * MINUTE });
      const rest = (
        await client.request<Stats>('GET', `/v1/subscriptions/${subscriptionId}/stats?window=1h`)
      ).body;
      const stats = await grpcCall<GrpcStats>(
        'GetSubscriptionStats',
        { id: subscriptionId, window: '1h' },
        apiKey,
      );
      expect(stats).toMatchObject({
        subscription_id: subscriptionId,
        window: '1h',
        bucket_seconds: 300,
        since: rest.since,
        until: rest.until,
      });
      expect(stats.totals).toEqual({
        ...rest.totals,
        attempts: 3,
        latency_ms: { p50: 400, p95: 400, p99: 400 },
      });
      expect(stats.buckets).toHaveLength(12);
      expect(stats.buckets.map((b) => ({ ...b, latency_ms: undefined }))).toEqual(
        rest.buckets.map((b) => ({ ...b, latency_ms: undefined })),
      );
      expect(stats.buckets.filter((b) => b.deliveries === 0).map((b) => b.latency_ms)).toEqual(
        Array(10).fill({}),
      );

      const day = await grpcCall<GrpcStats>('GetSubscriptionStats', { id: subscriptionId }, apiKey);
      expect(day).toMatchObject({ window: '24h', bucket_seconds: 3600 });
    });

    it('answers INVALID_ARGUMENT for a bad window and NOT_FOUND for another tenant’s subscription', async () => {
      const owner = await operator.createTenant('stats-grpc-owner');
      const intruder = await operator.createTenant('stats-grpc-intruder');
      const subscriptionId = await subscribe(owner.client);
      const bad = await grpcFailure(
        grpcCall('GetSubscriptionStats', { id: subscriptionId, window: 'week' }, owner.apiKey),
      );
      expect(bad.code).toBe(status.INVALID_ARGUMENT);
      expect(bad.body.error).toMatchObject({
        code: 'validation_failed',
        details: [{ field: 'window' }],
      });
      const missing = await grpcFailure(grpcCall('GetSubscriptionStats', {}, owner.apiKey));
      expect(missing.code).toBe(status.INVALID_ARGUMENT);
      const foreign = await grpcFailure(
        grpcCall('GetSubscriptionStats', { id: subscriptionId }, intruder.apiKey),
      );
      expect(foreign.code).toBe(status.NOT_FOUND);
      expect(foreign.body.error.code).toBe('not_found');
    });
  });
});
