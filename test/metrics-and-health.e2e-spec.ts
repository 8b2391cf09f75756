import { ApiClient, testConfig, waitFor, WebhookReceiver, appUrl } from '@herald/testing';
import { startHerald, untilIngestKnows, type RunningHerald } from './support/herald-harness';

const SERVICES = ['subscription-api', 'event-ingest', 'deliverer'] as const;

async function text(url: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.text() };
}

/** The value of one series in Prometheus text, or null when it is not there. */
function sample(metrics: string, name: string, labels: Record<string, string>): number | null {
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const labelText = line.slice(name.length + 1, line.indexOf('}'));
    if (Object.entries(labels).every(([key, value]) => labelText.includes(`${key}="${value}"`))) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return null;
}

describe('metrics, readiness and graceful shutdown of every service', () => {
  let herald: RunningHerald;
  let receiver: WebhookReceiver;
  let operator: ApiClient;
  const urls = new Map<string, string>();

  beforeAll(async () => {
    herald = await startHerald(testConfig({ HERALD_RETRY_SCHEDULE: '300ms' }));
    receiver = await WebhookReceiver.start();
    operator = new ApiClient(herald.apiUrl, herald.config.auth.adminToken);
    herald.apps.forEach((app, index) => urls.set(SERVICES[index], appUrl(app)));
  });

  afterAll(async () => {
    await receiver.stop();
    await herald.stop();
  });

  it('answers liveness and readiness on every service, readiness naming what it checked', async () => {
    for (const service of SERVICES) {
      const live = await text(`${urls.get(service)}/health/live`);
      expect({ service, status: live.status }).toEqual({ service, status: 200 });
      const ready = await text(`${urls.get(service)}/health/ready`);
      expect({ service, status: ready.status }).toEqual({ service, status: 200 });
      const report = JSON.parse(ready.body) as { status: string; checks: Record<string, string> };
      expect(report.status).toBe('ready');
      expect(report.checks).toMatchObject({ postgres: 'ok', kafka: 'ok' });
    }
    const deliverer = JSON.parse((await text(`${urls.get('deliverer')}/health/ready`)).body) as {
      checks: Record<string, string>;
    };
    expect(deliverer.checks['consumer herald.deliverer']).toBe('ok');
  });

  it('counts an event through every service, with no tenant or subscription id in any label', async () => {
    const { tenantId, client } = await operator.createTenant('metrics');
    const ok = await client.request<{ id: string }>('POST', '/v1/subscriptions', {
      event_types: ['meter.created'],
      destination: { type: 'webhook', url: `${receiver.url}/ok` },
    });
    const failing = await client.request<{ id: string }>('POST', '/v1/subscriptions', {
      event_types: ['meter.created'],
      destination: { type: 'webhook', url: `${receiver.url}/down` },
    });
    receiver.respondWith((request) =>
      request.path === '/down' ? { status: 503 } : { status: 200 },
    );
    await untilIngestKnows(herald, ok.body.id);
    await untilIngestKnows(herald, failing.body.id);
    const published = await client.request('POST', '/v1/events', {
      type: 'meter.created',
      data: { meter_id: 'm-1' },
    });
    expect(published.status).toBe(202);
    const rejected = await client.request('POST', '/v1/events', { data: {} });
    expect(rejected.status).toBe(422);

    // One delivery succeeds; the other's attempt 1 fails, its one retry fails: dead-lettered.
    await waitFor(
      'one delivery delivered and the failing one dead-lettered',
      async () => {
        const { body } = await text(`${urls.get('deliverer')}/metrics`);
        const count = (outcome: string): number =>
          sample(body, 'herald_deliveries_total', { destination_type: 'webhook', outcome }) ?? 0;
        return count('delivered') >= 1 && count('dead_lettered') >= 1;
      },
      30_000,
    );

    const scraped = new Map<string, string>();
    for (const service of SERVICES) {
      const { status, body } = await text(`${urls.get(service)}/metrics`);
      expect(status).toBe(200);
      expect(body).toContain(`service="${service}"`);
      expect(body).toContain('process_resident_memory_bytes');
      for (const id of [tenantId, ok.body.id, failing.body.id]) expect(body).not.toContain(id);
      scraped.set(service, body);
    }
    const api = scraped.get('subscription-api') ?? '';
    expect(
      sample(api, 'herald_http_requests_total', {
        method: 'POST',
        route: '/v1/events',
        status_code: '202',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(api, 'herald_events_total', { transport: 'http', outcome: 'rejected' }),
    ).toBeGreaterThanOrEqual(1);
    expect(api).toMatch(/herald_dead_letters_pending\{service="subscription-api"\} [1-9]/);

    const ingest = scraped.get('event-ingest') ?? '';
    expect(
      sample(ingest, 'herald_events_total', { transport: 'http', outcome: 'accepted' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(ingest, 'herald_messages_handled_total', {
        group: 'herald.event-ingest',
        topic: 'herald.events.inbound',
        outcome: 'ack',
      }),
    ).toBeGreaterThanOrEqual(1);

    // Event-ingest matches what it stores: the deliveries it created, and the lag of the one topic
    // it reads, herald.events.inbound.
    expect(sample(ingest, 'herald_deliveries_created_total', {})).toBeGreaterThanOrEqual(2);
    expect(
      sample(ingest, 'herald_consumer_lag', {
        group: 'herald.event-ingest',
        topic: 'herald.events.inbound',
      }),
    ).not.toBeNull();

    const deliverer = scraped.get('deliverer') ?? '';
    expect(
      sample(deliverer, 'herald_deliveries_total', {
        destination_type: 'webhook',
        outcome: 'delivered',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(deliverer, 'herald_retries_scheduled_total', { delay: '300ms' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(deliverer, 'herald_delivery_attempt_duration_seconds_count', {
        destination_type: 'webhook',
        result: 'failure',
      }),
    ).toBeGreaterThanOrEqual(2);
    expect(
      sample(deliverer, 'herald_delivery_latency_seconds_bucket', {
        destination_type: 'webhook',
        le: '172800',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(deliverer, 'herald_consumer_lag', {
        group: 'herald.deliverer',
        topic: 'herald.deliveries.retry.300ms',
      }),
    ).not.toBeNull();
    // Nothing waits once the deliveries are made: the oldest due message is (near) nobody's.
    const oldestDue = sample(deliverer, 'herald_consumer_oldest_due_seconds', {
      group: 'herald.deliverer',
      topic: 'herald.deliveries',
    });
    expect(oldestDue).not.toBeNull();
    expect(oldestDue).toBeLessThan(5);
  });

  it('serves metrics and health on HERALD_METRICS_PORT when it is set', async () => {
    const config = testConfig({ HERALD_METRICS_PORT: '0' });
    const separate = await startHerald(config, { services: [] });
    try {
      const { ManagementServer } = await import('@herald/runtime');
      const port = separate.apps[0].get(ManagementServer).port;
      expect(port).not.toBeNull();
      const metrics = await text(`http://127.0.0.1:${port}/metrics`);
      expect(metrics.status).toBe(200);
      expect(metrics.body).toContain('herald_http_requests_total');
      expect((await text(`http://127.0.0.1:${port}/health/ready`)).status).toBe(200);
      expect((await text(`http://127.0.0.1:${port}/v1/events`)).status).toBe(404);
    } finally {
      await separate.stop();
    }
  });

  it('answers liveness at once while a new deliverer is still joining its group, and turns ready once joined', async () => {
    const { createService } = await import('@herald/runtime');
    const { DelivererModule } = await import('../apps/deliverer/src/deliverer.module');
    const second = await createService(
      'deliverer',
      DelivererModule.forRoot(herald.config),
      herald.config,
    );
    try {
      const url = appUrl(second);
      expect((await text(`${url}/health/live`)).status).toBe(200);
      const joining = await text(`${url}/health/ready`);
      expect(joining.status).toBe(503);
      const report = JSON.parse(joining.body) as { status: string; checks: Record<string, string> };
      expect(report.status).toBe('not_ready');
      expect(report.checks).toMatchObject({ postgres: 'ok', kafka: 'ok' });
      expect(report.checks['consumer herald.deliverer']).toContain('not (yet)');
      await waitFor(
        'the second deliverer to join',
        async () => (await text(`${url}/health/ready`)).status === 200,
        60_000,
      );
    } finally {
      await second.close();
    }
  });

  it('finishes an in-flight delivery before a deliverer shuts down, and reports not ready meanwhile', async () => {
    const { client } = await operator.createTenant('shutdown');
    const slow = await client.request<{ id: string }>('POST', '/v1/subscriptions', {
      event_types: ['meter.created'],
      destination: { type: 'webhook', url: `${receiver.url}/slow` },
    });
    receiver.respondWith((request) =>
      request.path === '/slow' ? { status: 200, delayMs: 2_000 } : { status: 200 },
    );
    await untilIngestKnows(herald, slow.body.id);
    const event = await client.request<{ id: string }>('POST', '/v1/events', {
      type: 'meter.created',
      data: { meter_id: 'm-2' },
    });
    await waitFor(
      'the slow call under way',
      () => receiver.requests.some((request) => request.path === '/slow'),
      30_000,
    );

    const deliverer = herald.apps[SERVICES.indexOf('deliverer')];
    const url = urls.get('deliverer') ?? '';
    const closing = deliverer.close();
    // Readiness turns false as soon as shutdown begins, while the slow call is still running.
    const during = await text(`${url}/health/ready`);
    expect(during.status).toBe(503);
    expect(receiver.requests.filter((request) => request.path === '/slow')).toHaveLength(1);
    await closing;

    const deliveries = await client.request<{ data: { status: string }[] }>(
      'GET',
      `/v1/deliveries?event_id=${event.body.id}`,
    );
    expect(deliveries.body.data.map((delivery) => delivery.status)).toEqual(['succeeded']);
    herald.apps.splice(SERVICES.indexOf('deliverer'), 1);
  });
});
