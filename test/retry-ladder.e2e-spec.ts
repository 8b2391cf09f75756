import { Kafka, logLevel, type Producer } from 'kafkajs';
import { allTopics } from '@herald/contracts';
import { createKafkaClient, ensureTopics } from '@herald/kafka';
import {
  ApiClient,
  TopicRecorder,
  testConfig,
  verifyWebhook,
  waitFor,
  WebhookReceiver,
  type ReceivedRequest,
  type Responder,
} from '@herald/testing';
import { startHerald, untilIngestKnows, type RunningHerald } from './support/herald-harness';

const SCHEDULE_MS = [200, 400, 800];

type AttemptItem = {
  attempt: number;
  started_at: string;
  outcome: string;
  status_code: number | null;
  error_class: string | null;
};
type DeliveryDetail = {
  id: string;
  event_id: string;
  origin: string;
  status: string;
  attempts: AttemptItem[];
  redriven_at: string | null;
};
type DeliveredBody = { id: string; type: string; delivery_id: string; data: { n: string } };
type DeadLetter = { deliveryId: string; reasonCode: string; reason: string };

/**
 * The retry ladder on a compressed schedule (`HERALD_RETRY_SCHEDULE=200ms,400ms,800ms`, up to +10 %
 * jitter): retries at no less than their delay with the same `webhook-id`, the whole attempt history,
 * the dead-letter topic when the schedule is spent, redrive once the receiver is fixed, and
 * `Retry-After`. Each test has its own tenant, subscription and receiver path.
 */
describe('retry ladder: 200ms, 400ms, 800ms, then the dead-letter topic', () => {
  let herald: RunningHerald;
  let receiver: WebhookReceiver;
  let operator: ApiClient;
  let producer: Producer;
  let deadLetters: TopicRecorder<DeadLetter>;
  const routes = new Map<string, Responder>();

  beforeAll(async () => {
    const config = testConfig({ HERALD_RETRY_SCHEDULE: '200ms,400ms,800ms' });
    expect(config.delivery.retrySchedule).toEqual(SCHEDULE_MS);
    // Global setup creates the retry topics of the default test schedule only.
    await ensureTopics(
      createKafkaClient({ brokers: config.kafka.brokers, clientId: 'retry-ladder-setup' }),
      allTopics(config.delivery.retrySchedule),
      { partitions: config.kafka.topicPartitions, replicationFactor: 1 },
    );
    herald = await startHerald(config);
    receiver = await WebhookReceiver.start();
    receiver.respondWith(
      (request) => routes.get(request.path)?.(request) ?? { status: 404, body: 'no route' },
    );
    operator = new ApiClient(herald.apiUrl, herald.config.auth.adminToken);
    producer = new Kafka({ brokers: config.kafka.brokers, logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    deadLetters = await TopicRecorder.start(
      config.kafka.brokers,
      'herald.deliveries.dlq',
      ({ value, headers }) => ({
        deliveryId: (JSON.parse(String(value)) as { delivery_id: string }).delivery_id,
        reasonCode: headers['herald-reason-code'],
        reason: headers['herald-reason'],
      }),
    );
  }, 60_000);

  afterAll(async () => {
    await deadLetters?.stop();
    await producer?.disconnect();
    await receiver?.stop();
    await herald?.stop();
  });

  /** A tenant with one webhook subscription to `path`, and one event published to Kafka for it. */
  async function subscribeAndPublish(
    path: string,
  ): Promise<{ client: ApiClient; secret: string; subscriptionId: string }> {
    const { tenantId, client } = await operator.createTenant(`retry-ladder${path}`);
    const subscription = await client.request<{ id: string; secret: string }>(
      'POST',
      '/v1/subscriptions',
      {
        event_types: ['ladder.*'],
        destination: { type: 'webhook', url: `${receiver.url}${path}` },
      },
    );
    expect(subscription.status).toBe(201);
    await untilIngestKnows(herald, subscription.body.id);
    await producer.send({
      topic: 'herald.events.inbound',
      messages: [
        {
          value: JSON.stringify({ tenant_id: tenantId, type: 'ladder.step', data: { n: path } }),
        },
      ],
    });
    return { client, secret: subscription.body.secret, subscriptionId: subscription.body.id };
  }

  const requestsTo = (path: string): ReceivedRequest[] =>
    receiver.requests.filter((request) => request.path === path);

  const gaps = (requests: ReceivedRequest[]): number[] =>
    requests.slice(1).map((request, index) => request.receivedAt - requests[index].receivedAt);

  async function deliveryWhen(
    client: ApiClient,
    id: string,
    what: string,
    done: (delivery: DeliveryDetail) => boolean,
  ): Promise<DeliveryDetail> {
    return waitFor(what, async () => {
      const response = await client.request<DeliveryDetail>('GET', `/v1/deliveries/${id}`);
      return response.status === 200 && done(response.body) && response.body;
    });
  }

  it('delivers after exactly two retries to a receiver that fails twice, each retry at least its delay later', async () => {
    let calls = 0;
    routes.set('/fails-twice', () =>
      ++calls <= 2 ? { status: 500, body: `failure ${calls}` } : { status: 200, body: 'ok' },
    );
    const { client, secret } = await subscribeAndPublish('/fails-twice');

    const requests = await waitFor(
      'three requests to /fails-twice',
      () => requestsTo('/fails-twice').length >= 3 && requestsTo('/fails-twice'),
    );
    const deliveryId = String(requests[0].headers['webhook-id']);
    const delivery = await deliveryWhen(
      client,
      deliveryId,
      'the delivery to be recorded as succeeded',
      (d) => d.status === 'succeeded',
    );

    // Succeeded on the third attempt, so nothing more can follow: exactly N=2 retries.
    expect(requestsTo('/fails-twice')).toHaveLength(3);
    expect(requests.map((request) => request.headers['webhook-id'])).toEqual([
      deliveryId,
      deliveryId,
      deliveryId,
    ]);
    expect(new Set(requests.map((request) => request.body)).size).toBe(1);
    expect(verifyWebhook<DeliveredBody>(secret, requests[2])).toMatchObject({
      type: 'ladder.step',
      delivery_id: deliveryId,
      data: { n: '/fails-twice' },
    });
    const [first, second] = gaps(requests);
    expect(first).toBeGreaterThanOrEqual(SCHEDULE_MS[0]);
    expect(second).toBeGreaterThanOrEqual(SCHEDULE_MS[1]);

    expect(delivery.attempts.map((a) => [a.attempt, a.outcome, a.status_code])).toEqual([
      [1, 'failed', 500],
      [2, 'failed', 500],
      [3, 'succeeded', 200],
    ]);
    expect(delivery.attempts[0].error_class).toBe('retryable');
  });

  it('dead-letters an always-failing delivery after four attempts with its history, and redrive delivers it once the receiver is fixed', async () => {
    let fixed = false;
    routes.set('/always-fails', () =>
      fixed ? { status: 200, body: 'ok' } : { status: 503, body: 'down' },
    );
    const { client, secret } = await subscribeAndPublish('/always-fails');

    const first = await waitFor(
      'a first request to /always-fails',
      () => requestsTo('/always-fails')[0],
    );
    const deliveryId = String(first.headers['webhook-id']);
    const dead = await deliveryWhen(
      client,
      deliveryId,
      'the delivery to be dead',
      (d) => d.status === 'dead',
    );
    const parked = await waitFor('the delivery in herald.deliveries.dlq', () =>
      deadLetters.messages.find((message) => message.deliveryId === deliveryId),
    );

    const failed = requestsTo('/always-fails');
    expect(failed).toHaveLength(4);
    expect(new Set(failed.map((request) => request.headers['webhook-id']))).toEqual(
      new Set([deliveryId]),
    );
    gaps(failed).forEach((gap, index) => expect(gap).toBeGreaterThanOrEqual(SCHEDULE_MS[index]));
    expect(dead.attempts.map((a) => [a.attempt, a.outcome, a.status_code, a.error_class])).toEqual(
      [1, 2, 3, 4].map((attempt) => [attempt, 'failed', 503, 'retryable']),
    );
    expect(parked.reasonCode).toBe('exhausted');
    expect(parked.reason).toMatch(/4 attempts/);
    expect(deadLetters.messages.filter((m) => m.deliveryId === deliveryId)).toHaveLength(1);

    const listed = await client.request<{ data: { id: string }[] }>('GET', '/v1/dead-letters');
    expect(listed.body.data.map((deadLetter) => deadLetter.id)).toEqual([deliveryId]);

    fixed = true;
    const redrive = await client.request<{
      redriven: number;
      deliveries: { id: string; webhook_id: string }[];
    }>('POST', '/v1/dead-letters/redrive', { ids: [deliveryId] });
    expect(redrive.status).toBe(202);
    expect(redrive.body.redriven).toBe(1);
    const redriveId = redrive.body.deliveries[0].id;

    const redriven = await waitFor(
      'the redriven delivery at /always-fails',
      () => requestsTo('/always-fails')[4],
    );
    const succeeded = await deliveryWhen(
      client,
      redriveId,
      'the redriven delivery to be recorded as succeeded',
      (d) => d.status === 'succeeded',
    );
    // A redrive is a new delivery of the same message: the body's event id is the same, and so is
    // the `webhook-id` (Standard Webhooks: a resent message keeps its id), which the API shows.
    expect(redriveId).not.toBe(deliveryId);
    expect(redriven.headers['webhook-id']).toBe(deliveryId);
    expect(redrive.body.deliveries[0]).toMatchObject({ id: redriveId, webhook_id: deliveryId });
    const before = verifyWebhook<DeliveredBody>(secret, failed[0]);
    const after = verifyWebhook<DeliveredBody>(secret, redriven);
    expect(after).toMatchObject({ id: before.id, type: before.type, data: before.data });
    expect(succeeded).toMatchObject({ event_id: dead.event_id, origin: 'retry' });
    expect(succeeded.attempts.map((a) => [a.attempt, a.outcome, a.status_code])).toEqual([
      [1, 'succeeded', 200],
    ]);
    expect(requestsTo('/always-fails')).toHaveLength(5);

    const original = await client.request<DeliveryDetail>('GET', `/v1/deliveries/${deliveryId}`);
    expect(original.body.status).toBe('dead');
    expect(original.body.redriven_at).not.toBeNull();
    expect(original.body.attempts).toHaveLength(4);
  });

  it('honours Retry-After: 2 on a 429, retrying no sooner than two seconds later', async () => {
    let calls = 0;
    routes.set('/rate-limited', () =>
      ++calls === 1
        ? { status: 429, body: 'slow down', headers: { 'retry-after': '2' } }
        : { status: 200, body: 'ok' },
    );
    const { client } = await subscribeAndPublish('/rate-limited');

    const requests = await waitFor(
      'two requests to /rate-limited',
      () => requestsTo('/rate-limited').length >= 2 && requestsTo('/rate-limited'),
    );
    const deliveryId = String(requests[0].headers['webhook-id']);
    const delivery = await deliveryWhen(
      client,
      deliveryId,
      'the delivery to be recorded as succeeded',
      (d) => d.status === 'succeeded',
    );

    expect(requests[1].headers['webhook-id']).toBe(deliveryId);
    expect(gaps(requests)[0]).toBeGreaterThanOrEqual(2000);
    expect(delivery.attempts.map((a) => [a.attempt, a.outcome, a.status_code])).toEqual([
      [1, 'failed', 429],
      [2, 'succeeded', 200],
    ]);
    expect(requestsTo('/rate-limited')).toHaveLength(2);
  });
});
