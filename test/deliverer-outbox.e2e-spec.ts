import { Kafka, logLevel, type Producer } from 'kafkajs';
import { Topics, type SubscriptionChangeMessage } from '@herald/contracts';
import { ApiClient, testConfig, TopicRecorder, waitFor, WebhookReceiver } from '@herald/testing';
import { startHerald, untilIngestKnows, type RunningHerald } from './support/herald-harness';

/**
 * The deliverer writes to the outbox when it disables a subscription, and relays the outbox itself:
 * with no API replica running, the disable still reaches the changelog and event-ingest stops
 * matching the subscription.
 */
describe('a subscription the deliverer disables, with no subscription API running', () => {
  const config = testConfig();
  let herald: RunningHerald;
  let receiver: WebhookReceiver;
  let producer: Producer;
  let tenantId: string;
  let subscriptionId: string;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    receiver.respondWith(() => ({ status: 410, body: 'gone' }));
    // The API runs only to set up the tenant and its subscription, then stops.
    const setup = await startHerald(config, { services: [] });
    try {
      const operator = new ApiClient(setup.apiUrl, config.auth.adminToken);
      const tenant = await operator.createTenant('deliverer outbox');
      tenantId = tenant.tenantId;
      const created = await tenant.client.request<{ id: string }>('POST', '/v1/subscriptions', {
        event_types: ['meter.reading'],
        destination: { type: 'webhook', url: `${receiver.url}/gone` },
      });
      expect(created.status).toBe(201);
      subscriptionId = created.body.id;
    } finally {
      await setup.stop();
    }
    herald = await startHerald(config, { api: false });
    producer = new Kafka({ brokers: config.kafka.brokers, logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await herald?.stop();
    await receiver?.stop();
  });

  it('reaches the changelog and event-ingest, which matches it no more', async () => {
    await untilIngestKnows(herald, subscriptionId);
    const changelog = await TopicRecorder.start<SubscriptionChangeMessage>(
      config.kafka.brokers,
      Topics.subscriptionsChangelog.name,
      ({ key, value }) =>
        key === subscriptionId && value
          ? (JSON.parse(value.toString()) as SubscriptionChangeMessage)
          : undefined,
    );
    try {
      await producer.send({
        topic: Topics.eventsInbound.name,
        messages: [
          {
            key: tenantId,
            value: JSON.stringify({ tenant_id: tenantId, type: 'meter.reading', data: { n: 1 } }),
          },
        ],
      });
      // The receiver answers 410: the deliverer disables the subscription, and its own relay
      // publishes the change.
      await waitFor('the delivery to be refused with 410', () => receiver.requests.length > 0);
      await untilIngestKnows(herald, subscriptionId, false);
      await waitFor('the disable on the changelog', () =>
        changelog.messages.some((message) => message.subscription?.status === 'disabled'),
      );
    } finally {
      await changelog.stop();
    }
  });
});
