import { Kafka, logLevel } from 'kafkajs';
import { createService } from '@herald/runtime';
import { ApiClient, untilReady, waitFor, WebhookReceiver } from '@herald/testing';
import { EventIngestModule } from '../apps/event-ingest/src/event-ingest.module';
import { startHerald, type RunningHerald } from './support/herald-harness';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('event-ingest’s subscription index', () => {
  let herald: RunningHerald;
  let receiver: WebhookReceiver;
  let operator: ApiClient;
  const producer = new Kafka({
    brokers: (process.env.KAFKA_BROKERS ?? '').split(','),
    logLevel: logLevel.NOTHING,
  }).producer();

  beforeAll(async () => {
    herald = await startHerald();
    receiver = await WebhookReceiver.start();
    operator = new ApiClient(herald.apiUrl, herald.config.auth.adminToken);
    await producer.connect();
  });

  afterAll(async () => {
    await producer.disconnect();
    await receiver.stop();
    await herald.stop();
  });

  const publish = (tenantId: string, type: string, marker: string) =>
    producer.send({
      topic: 'herald.events.inbound',
      messages: [
        { key: tenantId, value: JSON.stringify({ tenant_id: tenantId, type, data: { marker } }) },
      ],
    });

  const received = (path: string) =>
    receiver.requests
      .filter((r) => r.path === path)
      .map((r) => (JSON.parse(r.body) as { data: { marker: string } }).data.marker);

  it('takes creating, changing, disabling and deleting a subscription into account within a second', async () => {
    const { tenantId, client } = await operator.createTenant('index-changes');
    const created = await client.request<{ id: string }>('POST', '/v1/subscriptions', {
      event_types: ['meter.created'],
      destination: { type: 'webhook', url: `${receiver.url}/index-changes` },
    });
    await sleep(1000);
    await publish(tenantId, 'meter.created', 'after-create');
    await waitFor('the first delivery', () => received('/index-changes').includes('after-create'));

    await client.request('PATCH', `/v1/subscriptions/${created.body.id}`, {
      event_types: ['user.created'],
    });
    await sleep(1000);
    await publish(tenantId, 'meter.created', 'old-type');
    await publish(tenantId, 'user.created', 'new-type');
    await waitFor('the changed type', () => received('/index-changes').includes('new-type'));

    await client.request('PATCH', `/v1/subscriptions/${created.body.id}`, { enabled: false });
    await sleep(1000);
    await publish(tenantId, 'user.created', 'while-disabled');

    await client.request('PATCH', `/v1/subscriptions/${created.body.id}`, { enabled: true });
    await sleep(1000);
    await publish(tenantId, 'user.created', 're-enabled');
    await waitFor('the re-enabled delivery', () =>
      received('/index-changes').includes('re-enabled'),
    );

    await client.request('DELETE', `/v1/subscriptions/${created.body.id}`);
    await sleep(1000);
    await publish(tenantId, 'user.created', 'after-delete');
    await sleep(1500);
    expect(received('/index-changes')).toEqual(['after-create', 'new-type', 're-enabled']);
  });

  it('misses nothing when event-ingest restarts mid-stream, and matches each event once', async () => {
    const { tenantId, client } = await operator.createTenant('index-restart');
    await client.request('POST', '/v1/subscriptions', {
      event_types: ['*'],
      destination: { type: 'webhook', url: `${receiver.url}/index-restart` },
    });
    await sleep(1000);
    const markers = Array.from({ length: 30 }, (_, i) => `m-${i}`);
    for (const marker of markers.slice(0, 10)) await publish(tenantId, 'meter.created', marker);

    const position = herald.apps.findIndex((app) => app === herald.ingest);
    expect(position).toBeGreaterThanOrEqual(0);
    await herald.apps[position].close();
    for (const marker of markers.slice(10, 20)) await publish(tenantId, 'meter.created', marker);
    // A subscription created while no event-ingest runs is known to the next one from PostgreSQL.
    await client.request('POST', '/v1/subscriptions', {
      event_types: ['*'],
      destination: { type: 'webhook', url: `${receiver.url}/index-restart-late` },
    });
    const restarted = await createService(
      'event-ingest',
      EventIngestModule.forRoot(herald.config),
      herald.config,
    );
    herald.apps[position] = restarted;
    herald.ingest = restarted;
    await untilReady(restarted);
    for (const marker of markers.slice(20)) await publish(tenantId, 'meter.created', marker);

    await waitFor('all thirty events', () => received('/index-restart').length >= 30, 40_000);
    // Events are matched when they are processed: the late subscription gets at least those
    // published after it existed (and, under load, maybe earlier ones still waiting to be matched).
    await waitFor('the late subscription’s events', () =>
      markers.slice(20).every((marker) => received('/index-restart-late').includes(marker)),
    );
    await sleep(1000);
    expect([...received('/index-restart')].sort()).toEqual([...markers].sort());
  });
});
