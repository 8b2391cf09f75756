import { Kafka, logLevel } from 'kafkajs';
import { Webhook } from 'standardwebhooks';
import { ApiClient, waitFor, WebhookReceiver } from '@herald/testing';
import { startHerald, type RunningHerald } from './support/herald-harness';

describe('walking skeleton: one event from Kafka to a webhook', () => {
  let herald: RunningHerald;
  let receiver: WebhookReceiver;
  let operator: ApiClient;
  const kafka = new Kafka({
    clientId: 'external-producer',
    brokers: (process.env.KAFKA_BROKERS ?? '').split(','),
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer();

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

  it('delivers an event published by an external producer, signed the Standard Webhooks way', async () => {
    const { tenantId, client } = await operator.createTenant('Openvolt');
    const created = await client.request<{
      id: string;
      secret: string;
      destination: { headers: Record<string, string> };
    }>('POST', '/v1/subscriptions', {
      description: 'meter data to the billing service',
      event_types: ['meter_data.*'],
      destination: {
        type: 'webhook',
        url: `${receiver.url}/hooks/openvolt`,
        headers: { Authorization: 'Token s3cret' },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    expect(created.body.destination.headers).toEqual({ Authorization: '********' });

    const data = {
      meters: [
        {
          meter_id: 'm-1',
          start_interval: '2024-05-01T00:00:00Z',
          end_interval: '2024-05-02T00:00:00Z',
        },
      ],
    };
    await producer.send({
      topic: 'herald.events.inbound',
      messages: [
        {
          key: tenantId,
          value: JSON.stringify({
            id: 'evt-ext-1',
            tenant_id: tenantId,
            type: 'user.created',
            data: { user_id: 'u-1' },
          }),
        },
        {
          key: tenantId,
          value: JSON.stringify({
            id: 'evt-ext-2',
            tenant_id: tenantId,
            type: 'meter_data.received',
            occurred_at: '2024-05-02T12:31:26.257Z',
            data,
          }),
        },
      ],
    });

    const request = await waitFor('the webhook to arrive', () =>
      receiver.requests.find((r) => r.path === '/hooks/openvolt'),
    );
    expect(request.method).toBe('POST');
    expect(request.headers.authorization).toBe('Token s3cret');
    expect(request.headers['content-type']).toBe('application/json');

    const verified = new Webhook(created.body.secret).verify(request.body, {
      'webhook-id': String(request.headers['webhook-id']),
      'webhook-timestamp': String(request.headers['webhook-timestamp']),
      'webhook-signature': String(request.headers['webhook-signature']),
    });
    expect(verified).toEqual({
      id: 'evt-ext-2',
      type: 'meter_data.received',
      timestamp: '2024-05-02T12:31:26.257Z',
      subscription_id: created.body.id,
      delivery_id: request.headers['webhook-id'],
      data,
    });
    expect(String(request.headers['webhook-id'])).toMatch(/^dlv_/);

    // Only the matching type was delivered.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.requests.filter((r) => r.path === '/hooks/openvolt')).toHaveLength(1);
  });

  it('does not deliver one tenant’s events to another tenant’s subscription', async () => {
    const first = await operator.createTenant('first');
    const second = await operator.createTenant('second');
    await first.client.request('POST', '/v1/subscriptions', {
      event_types: ['*'],
      destination: { type: 'webhook', url: `${receiver.url}/hooks/first` },
    });
    await second.client.request('POST', '/v1/subscriptions', {
      event_types: ['*'],
      destination: { type: 'webhook', url: `${receiver.url}/hooks/second` },
    });
    await producer.send({
      topic: 'herald.events.inbound',
      messages: [
        {
          value: JSON.stringify({
            tenant_id: second.tenantId,
            type: 'project.updated',
            data: { id: 7 },
          }),
        },
      ],
    });
    await waitFor('the second tenant’s webhook', () =>
      receiver.requests.find((r) => r.path === '/hooks/second'),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.requests.filter((r) => r.path === '/hooks/first')).toHaveLength(0);
  });

  it('parks bad events in herald.events.invalid with the reason, and the next good event still flows', async () => {
    const { tenantId, client } = await operator.createTenant('bad-input');
    const marker = `skeleton-bad-input-${tenantId}`;
    await client.request('POST', '/v1/subscriptions', {
      event_types: ['*'],
      destination: { type: 'webhook', url: `${receiver.url}/hooks/bad-input` },
    });
    const invalid: {
      code: string;
      reason: string;
      body: { reason: { code: string }; value: string };
    }[] = [];
    const consumer = kafka.consumer({ groupId: `invalid-reader-${tenantId}` });
    await consumer.connect();
    await consumer.subscribe({ topic: 'herald.events.invalid', fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        const value = JSON.parse(String(message.value)) as {
          reason: { code: string };
          value: string;
        };
        if (!value.value?.includes(tenantId) && !value.value?.includes(marker))
          return Promise.resolve();
        invalid.push({
          code: String(message.headers?.['herald-reason-code']),
          reason: String(message.headers?.['herald-reason']),
          body: value,
        });
        return Promise.resolve();
      },
    });
    await producer.send({
      topic: 'herald.events.inbound',
      messages: [
        { value: `{"tenant_id": "${marker}", ` },
        { value: JSON.stringify({ tenant_id: tenantId, data: {} }) },
        {
          value: JSON.stringify({
            tenant_id: 'ten_nobody',
            type: 'a.b',
            data: { marker },
          }),
        },
        {
          value: JSON.stringify({ tenant_id: tenantId, type: 'project.created', data: { id: 1 } }),
        },
      ],
    });
    await waitFor('three rejected events', () => invalid.length >= 3 && invalid);
    await consumer.disconnect();
    expect(invalid.map((entry) => entry.code).sort()).toEqual([
      'malformed_json',
      'missing_field',
      'unknown_tenant',
    ]);
    for (const entry of invalid) {
      expect(entry.body.reason.code).toBe(entry.code);
      expect(entry.reason.length).toBeGreaterThan(5);
    }
    const delivered = await waitFor('the good event after the bad ones', () =>
      receiver.requests.find((r) => r.path === '/hooks/bad-input'),
    );
    expect(JSON.parse(delivered.body)).toMatchObject({ type: 'project.created', data: { id: 1 } });
  });
});
