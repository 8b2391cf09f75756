import type { DeliveredBody } from '@herald/domain';
import {
  SqsQueues,
  TEST_SQS_KEYS,
  TEST_SQS_REGION,
  waitFor,
  type ApiClient,
  type ReceivedSqsMessage,
} from '@herald/testing';
import { startPipeline, type PipelineFixture } from './support/herald-harness';

type Subscription = { id: string; destination: Record<string, unknown> };
type DeliveryDetail = {
  id: string;
  status: string;
  attempts: {
    outcome: string;
    status_code: number | null;
    error_class: string | null;
    error_message: string | null;
  }[];
};
type ErrorBody = { error: { code: string; details: { field: string; message: string }[] } };

describe('sqs destination: events from Kafka arrive as SQS messages in ElasticMQ', () => {
  let fixture: PipelineFixture;
  let queues: SqsQueues;

  beforeAll(async () => {
    fixture = await startPipeline('sqs-e2e-producer');
    queues = new SqsQueues();
  });

  afterAll(async () => {
    queues.close();
    await fixture.stop();
  });

  const sqsDestination = (queue: { name?: string; url?: string }) => ({
    type: 'sqs',
    region: TEST_SQS_REGION,
    ...(queue.name ? { queue_name: queue.name } : { queue_url: queue.url }),
    access_key_id: TEST_SQS_KEYS.accessKeyId,
    secret_access_key: TEST_SQS_KEYS.secretAccessKey,
    endpoint_url: queues.endpoint,
  });

  async function subscribe(
    client: ApiClient,
    eventType: string,
    destination: object,
    extra: Record<string, unknown> = {},
  ) {
    const created = await client.request<Subscription>('POST', '/v1/subscriptions', {
      event_types: [eventType],
      destination,
      ...extra,
    });
    expect(created.status).toBe(201);
    return created.body;
  }

  /** Publishes to Kafka as a user's service would, keyed by tenant so the events keep their order. */
  async function publish(tenantId: string, type: string, count: number): Promise<string[]> {
    const ids = Array.from({ length: count }, (_, n) => `evt-${type}-${n}-${Date.now()}`);
    await fixture.producer.send({
      topic: 'herald.events.inbound',
      messages: ids.map((id, n) => ({
        key: tenantId,
        value: JSON.stringify({
          id,
          tenant_id: tenantId,
          type,
          occurred_at: '2024-05-02T12:31:26.257Z',
          data: { meter_id: 'm-1', reading: n },
        }),
      })),
    });
    return ids;
  }

  async function delivery(client: ApiClient, id: string, status: string) {
    return waitFor(`delivery ${id} to be ${status}`, async () => {
      const detail = await client.request<DeliveryDetail>('GET', `/v1/deliveries/${id}`);
      return detail.body.status === status && detail.body;
    });
  }

  const parsed = (message: ReceivedSqsMessage) => JSON.parse(message.body) as DeliveredBody;

  it("sends the body a subscription's transformation gives as the message body", async () => {
    const { tenantId, client } = await fixture.operator.createTenant('sqs-transformed');
    const queue = await queues.create('e2e-transformed');
    await subscribe(client, 'meter_data.received', sqsDestination(queue), {
      transformation:
        '{"event_id": event.type, "meter": event.data.meter_id, "n": event.data.reading}',
    });
    const [id] = await publish(tenantId, 'meter_data.received', 1);
    const [message] = await queues.take(queue.url, 1);
    expect(message.body).toBe('{"event_id":"meter_data.received","meter":"m-1","n":0}');
    // The attributes still name the event and the delivery.
    expect(message.attributes).toMatchObject({ event_type: 'meter_data.received', event_id: id });
  });

  it('delivers to a standard queue by name the body a webhook subscription receives', async () => {
    const { tenantId, client } = await fixture.operator.createTenant('sqs-standard');
    const queue = await queues.create('e2e-standard');
    const viaSqs = await subscribe(client, 'meter_data.received', sqsDestination(queue));
    expect(viaSqs.destination).toEqual({
      ...sqsDestination(queue),
      queue_url: null,
      secret_access_key: '********',
    });
    const viaWebhook = await subscribe(client, 'meter_data.received', {
      type: 'webhook',
      url: `${fixture.receiver.url}/hooks/sqs-standard`,
    });

    const ids = await publish(tenantId, 'meter_data.received', 3);

    const messages = await queues.take(queue.url, 3);
    const webhooks = await waitFor('the three webhooks', () => {
      const seen = fixture.receiver.distinctRequestsTo('/hooks/sqs-standard');
      return seen.length >= 3 && seen;
    });
    const bodies = messages.map(parsed).sort((a, b) => a.id.localeCompare(b.id));
    const webhookBodies = webhooks
      .map((request) => JSON.parse(request.body) as DeliveredBody)
      .sort((a, b) => a.id.localeCompare(b.id));
    expect(bodies.map((body) => body.id)).toEqual([...ids].sort());
    bodies.forEach((body, n) => {
      expect(body.subscription_id).toBe(viaSqs.id);
      expect(body.delivery_id).toMatch(/^dlv_/);
      // The same body but for the subscription and delivery it belongs to.
      expect(body).toEqual({
        ...webhookBodies[n],
        subscription_id: viaSqs.id,
        delivery_id: body.delivery_id,
      });
      expect(webhookBodies[n].subscription_id).toBe(viaWebhook.id);
    });
    for (const message of messages) {
      expect(message.attributes).toEqual({
        event_type: 'meter_data.received',
        event_id: parsed(message).id,
        delivery_id: parsed(message).delivery_id,
      });
      expect(message.groupId).toBeUndefined();
    }

    for (const body of bodies) {
      const detail = await delivery(client, body.delivery_id, 'succeeded');
      expect(detail.attempts.map((a) => [a.outcome, a.status_code, a.error_class])).toEqual([
        ['succeeded', 200, null],
      ]);
    }
    expect(await queues.receive(queue.url, 1)).toEqual([]);
  });

  it('delivers to a FIFO queue by URL in event order, grouped by subscription, deduplicated by delivery', async () => {
    const { tenantId, client } = await fixture.operator.createTenant('sqs-fifo');
    const queue = await queues.create('e2e-ordered', true);
    // Strict: event order even when an attempt fails and is retried (best-effort lets later ones by).
    const subscription = await subscribe(
      client,
      'meter.reading',
      sqsDestination({ url: queue.url }),
      { ordering: 'strict' },
    );

    const ids = await publish(tenantId, 'meter.reading', 5);

    const messages = await queues.take(queue.url, 5);
    expect(messages.map((message) => parsed(message).id)).toEqual(ids);
    expect(messages.map((message) => parsed(message).data)).toEqual(
      ids.map((_, n) => ({ meter_id: 'm-1', reading: n })),
    );
    for (const message of messages) {
      expect(message.groupId).toBe(subscription.id);
      expect(message.deduplicationId).toBe(parsed(message).delivery_id);
      expect(message.attributes.delivery_id).toBe(parsed(message).delivery_id);
    }
    expect(new Set(messages.map((message) => message.deduplicationId)).size).toBe(5);
  });

  it('dead-letters after one attempt, saying so, when the queue does not exist', async () => {
    const { tenantId, client } = await fixture.operator.createTenant('sqs-missing');
    const missing = `e2e-missing-${Date.now()}`;
    const subscription = await subscribe(
      client,
      'meter.removed',
      sqsDestination({ name: missing }),
    );
    const [eventId] = await publish(tenantId, 'meter.removed', 1);

    const dead = await waitFor('the delivery to be dead', async () => {
      const page = await client.request<{ data: { id: string }[] }>(
        'GET',
        `/v1/deliveries?event_id=${encodeURIComponent(eventId)}&status=dead`,
      );
      const found = page.body.data?.[0];
      return found && (await client.request<DeliveryDetail>('GET', `/v1/deliveries/${found.id}`));
    });
    expect(dead.body.attempts).toEqual([
      expect.objectContaining({
        outcome: 'failed',
        status_code: 400,
        error_class: 'permanent',
        error_message: `queue ${missing} does not exist (region ${TEST_SQS_REGION})`,
      }),
    ]);
    const list = await client.request<{ data: { subscription_id: string }[] }>(
      'GET',
      `/v1/deliveries?event_id=${encodeURIComponent(eventId)}`,
    );
    expect(list.body.data.map((d) => d.subscription_id)).toEqual([subscription.id]);
  });

  it('refuses a bad sqs destination, naming the field', async () => {
    const { client } = await fixture.operator.createTenant('sqs-bad-input');
    const response = await client.request<ErrorBody>('POST', '/v1/subscriptions', {
      event_types: ['*'],
      destination: { type: 'sqs', region: TEST_SQS_REGION, endpoint_url: queues.endpoint },
    });
    expect(response.status).toBe(422);
    expect(response.body.error.code).toBe('validation_failed');
    expect(response.body.error.details).toEqual([
      { field: 'destination.queue_name', message: 'is required unless queue_url is given' },
    ]);
  });
});
