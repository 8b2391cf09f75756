import { Kafka, logLevel } from 'kafkajs';
import {
  ApiClient,
  testConfig,
  TopicRecorder,
  waitFor,
  WebhookReceiver,
  type ReceivedRequest,
  verifyWebhook,
} from '@herald/testing';
import { startHerald, type RunningHerald } from './support/herald-harness';

// Above what other suites send through the shared inbound topic, which this ingest may also read.
const MAX_EVENT_BYTES = 8192;
/**
 * Bigger than this Herald's limit and than the default one too: every in-process Herald of the run
 * shares the ingest consumer group, so whichever of them reads this message must refuse it.
 */
const HUGE = 300 * 1024;

type InvalidRecord = {
  headers: Record<string, string>;
  body: {
    reason: { code: string; message: string; field?: string };
    source: { transport: string; topic?: string; partition?: number; offset?: string };
    rejected_at: string;
    value: string | null;
  };
};
type ErrorBody = {
  error: { code: string; message: string; details: { field: string; message: string }[] };
};

/**
 * A JSON Schema for Openvolt's meter_data.received, registered in the tenant's event type catalog:
 * the payload is a list of readings (issue 13; it was wrapped in an object before).
 */
const METER_DATA_SCHEMA = {
  type: 'array',
  items: {
    type: 'object',
    required: ['meter_id'],
    properties: { meter_id: { type: 'string' }, start_interval: { type: 'string' } },
  },
};

describe('bad input on both ingest paths: refused with the reason, the pipeline keeps flowing', () => {
  let herald: RunningHerald;
  let receiver: WebhookReceiver;
  let operator: ApiClient;
  let invalid: TopicRecorder<InvalidRecord>;
  const kafka = new Kafka({
    clientId: 'a-careless-producer',
    brokers: (process.env.KAFKA_BROKERS ?? '').split(','),
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer();

  beforeAll(async () => {
    herald = await startHerald(testConfig({ HERALD_MAX_EVENT_BYTES: String(MAX_EVENT_BYTES) }));
    receiver = await WebhookReceiver.start();
    operator = new ApiClient(herald.apiUrl, herald.config.auth.adminToken);
    invalid = await TopicRecorder.start<InvalidRecord>(
      herald.config.kafka.brokers,
      'herald.events.invalid',
      ({ value, headers }) =>
        value && value.includes('bad-input-marker')
          ? { headers, body: JSON.parse(value.toString('utf8')) as InvalidRecord['body'] }
          : undefined,
    );
    await producer.connect();
  });

  afterAll(async () => {
    await producer.disconnect();
    await invalid.stop();
    await receiver.stop();
    await herald.stop();
  });

  const requestsTo = (path: string): ReceivedRequest[] => receiver.distinctRequestsTo(path);

  /** A tenant with a catch-all webhook and a schema for meter_data.received. */
  async function tenantWithHook(
    name: string,
    path: string,
  ): Promise<{ tenantId: string; apiKey: string; client: ApiClient; secret: string }> {
    const tenant = await operator.createTenant(name);
    const hook = await tenant.client.request<{ secret: string }>('POST', '/v1/subscriptions', {
      event_types: ['*'],
      destination: { type: 'webhook', url: `${receiver.url}${path}` },
    });
    expect(hook.status).toBe(201);
    const eventType = await tenant.client.request('POST', '/v1/event-types', {
      name: 'meter_data.received',
      schema: METER_DATA_SCHEMA,
    });
    expect(eventType.status).toBe(201);
    return { ...tenant, secret: hook.body.secret };
  }

  function verify(secret: string, request: ReceivedRequest): unknown {
    return verifyWebhook<unknown>(secret, request);
  }

  const goodData = [
    {
      meter_id: 'm-1',
      start_interval: '2024-05-01T00:00:00Z',
      end_interval: '2024-05-02T00:00:00Z',
    },
  ];

  it('parks every kind of bad Kafka message in herald.events.invalid with its reason, and the next good event flows', async () => {
    const { tenantId, client, secret } = await tenantWithHook('kafka producer', '/bad/kafka');
    const marker = (name: string): string => `bad-input-marker-${tenantId}-${name}`;
    const padding = 'x'.repeat(HUGE);

    const cases: { name: string; value: string; code: string; field?: string }[] = [
      {
        name: 'malformed-json',
        value: `{"tenant_id": "${tenantId}", "type": "meter.created", "data": {"note": "${marker('malformed-json')}"}`,
        code: 'malformed_json',
      },
      {
        name: 'not-an-object',
        value: JSON.stringify([tenantId, 'meter.created', marker('not-an-object')]),
        code: 'not_an_object',
      },
      {
        name: 'missing-tenant',
        value: JSON.stringify({
          type: 'meter.created',
          subject: marker('missing-tenant'),
          data: {},
        }),
        code: 'missing_field',
        field: 'tenant_id',
      },
      {
        name: 'missing-type',
        value: JSON.stringify({ tenant_id: tenantId, subject: marker('missing-type'), data: {} }),
        code: 'missing_field',
        field: 'type',
      },
      {
        name: 'missing-data',
        value: JSON.stringify({
          tenant_id: tenantId,
          type: 'meter.created',
          subject: marker('missing-data'),
        }),
        code: 'missing_field',
        field: 'data',
      },
      {
        name: 'tenant-a-number',
        value: JSON.stringify({
          tenant_id: 42,
          type: 'meter.created',
          subject: marker('tenant-a-number'),
          data: {},
        }),
        code: 'invalid_field',
        field: 'tenant_id',
      },
      {
        name: 'type-a-number',
        value: JSON.stringify({
          tenant_id: tenantId,
          type: 42,
          subject: marker('type-a-number'),
          data: {},
        }),
        code: 'invalid_field',
        field: 'type',
      },
      // Issue 13: data that is a list is accepted now; null is refused as missing.
      {
        name: 'data-null',
        value: JSON.stringify({
          tenant_id: tenantId,
          type: 'meter.created',
          subject: marker('data-null'),
          data: null,
        }),
        code: 'missing_field',
        field: 'data',
      },
      {
        name: 'nul-in-list-data',
        value: JSON.stringify({
          tenant_id: tenantId,
          type: 'meter_data.received',
          subject: marker('nul-in-list-data'),
          data: [{ meter_id: 'm-1' }, { meter_id: 'm-\u0000' }],
        }),
        code: 'invalid_text',
        field: 'data[1].meter_id',
      },
      {
        name: 'occurred-at-not-a-time',
        value: JSON.stringify({
          tenant_id: tenantId,
          type: 'meter.created',
          occurred_at: 'yesterday at noon',
          subject: marker('occurred-at-not-a-time'),
          data: {},
        }),
        code: 'invalid_field',
        field: 'occurred_at',
      },
      {
        name: 'oversize',
        value: JSON.stringify({
          tenant_id: tenantId,
          type: 'meter.created',
          subject: marker('oversize'),
          data: { padding },
        }),
        code: 'too_large',
      },
      {
        name: 'oversize-list',
        value: JSON.stringify({
          tenant_id: tenantId,
          type: 'meter_data.received',
          subject: marker('oversize-list'),
          data: [{ meter_id: 'm-1', padding }],
        }),
        code: 'too_large',
      },
      {
        name: 'schema-invalid',
        value: JSON.stringify({
          tenant_id: tenantId,
          type: 'meter_data.received',
          subject: marker('schema-invalid'),
          data: [{ meter_id: 'm-1' }, { meter_id: 7 }],
        }),
        code: 'schema_invalid',
        field: 'data.1.meter_id',
      },
      {
        name: 'schema-invalid-not-a-list',
        value: JSON.stringify({
          tenant_id: tenantId,
          type: 'meter_data.received',
          subject: marker('schema-invalid-not-a-list'),
          data: { meters: [{ meter_id: 'm-1' }] },
        }),
        code: 'schema_invalid',
        field: 'data',
      },
      {
        name: 'unknown-tenant',
        value: JSON.stringify({
          tenant_id: 'ten_nobody_here',
          type: 'meter.created',
          subject: marker('unknown-tenant'),
          data: {},
        }),
        code: 'unknown_tenant',
        field: 'tenant_id',
      },
    ];

    // One key, so one partition: ingest reads the good event only after every bad one.
    await producer.send({
      topic: 'herald.events.inbound',
      messages: [
        ...cases.map((entry) => ({ key: tenantId, value: entry.value })),
        {
          key: tenantId,
          value: JSON.stringify({
            id: 'good-after-bad',
            tenant_id: tenantId,
            type: 'meter_data.received',
            data: goodData,
          }),
        },
      ],
    });

    const parked = await waitFor(`${cases.length} rejected messages`, () => {
      const mine = invalid.messages.filter((record) => record.body.value?.includes(tenantId));
      return mine.length >= cases.length && mine;
    });
    expect(parked).toHaveLength(cases.length);
    for (const entry of cases) {
      const record = parked.find((candidate) => candidate.body.value?.includes(marker(entry.name)));
      expect({ case: entry.name, found: record !== undefined }).toEqual({
        case: entry.name,
        found: true,
      });
      if (!record) continue;
      expect({ case: entry.name, code: record.headers['herald-reason-code'] }).toEqual({
        case: entry.name,
        code: entry.code,
      });
      expect(record.body.reason.code).toBe(entry.code);
      expect(record.headers['herald-reason']).toBe(record.body.reason.message);
      expect(record.body.reason.message.length).toBeGreaterThan(10);
      // The reason names what is wrong: the field, or for an unknown tenant the tenant id itself.
      if (entry.code === 'unknown_tenant') {
        expect(record.body.reason.message).toContain('ten_nobody_here');
      } else if (entry.field) {
        expect(record.body.reason.message).toContain(entry.field);
      }
      if (record.body.reason.field !== undefined) {
        expect({ case: entry.name, field: record.body.reason.field }).toEqual({
          case: entry.name,
          field: entry.field,
        });
      }
      expect(record.body.source).toMatchObject({
        transport: 'kafka',
        topic: 'herald.events.inbound',
      });
      expect(Date.parse(record.body.rejected_at)).not.toBeNaN();
      expect(record.body.value).toBe(entry.value);
    }

    const delivered = await waitFor(
      'the good event after the bad ones',
      () => requestsTo('/bad/kafka')[0],
    );
    expect(verify(secret, delivered)).toMatchObject({
      id: 'good-after-bad',
      type: 'meter_data.received',
      data: goodData,
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(requestsTo('/bad/kafka')).toHaveLength(1);
    const stored = await client.request<{ data: { id: string }[] }>('GET', '/v1/events');
    expect(stored.body.data.map((event) => event.id)).toEqual(['good-after-bad']);
  });

  it('answers every kind of bad POST /v1/events with 400, 413 or 422 naming the field, delivers none, and still takes a good one', async () => {
    const { apiKey, client, secret } = await tenantWithHook('http producer', '/bad/http');
    const post = async (body: string): Promise<{ status: number; body: ErrorBody }> => {
      const response = await fetch(`${herald.apiUrl}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body,
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : null) as ErrorBody };
    };
    const oversize = (bytes: number): string =>
      JSON.stringify({ type: 'meter.created', data: { padding: 'x'.repeat(bytes) } });

    const cases: { name: string; body: string; status: number; code: string; field?: string }[] = [
      {
        name: 'malformed JSON',
        body: '{"type": "meter.created", "data": {',
        status: 400,
        code: 'invalid_json',
      },
      {
        name: 'not an object',
        body: JSON.stringify([{ type: 'meter.created', data: {} }]),
        status: 422,
        code: 'validation_failed',
        field: 'body',
      },
      {
        name: 'missing type',
        body: JSON.stringify({ data: {} }),
        status: 422,
        code: 'validation_failed',
        field: 'type',
      },
      {
        name: 'missing data',
        body: JSON.stringify({ type: 'meter.created' }),
        status: 422,
        code: 'validation_failed',
        field: 'data',
      },
      {
        name: 'type a number',
        body: JSON.stringify({ type: 42, data: {} }),
        status: 422,
        code: 'validation_failed',
        field: 'type',
      },
      // Issue 13: data that is a list is accepted now; null is refused as missing.
      {
        name: 'data null',
        body: JSON.stringify({ type: 'meter.created', data: null }),
        status: 422,
        code: 'validation_failed',
        field: 'data',
      },
      {
        name: 'occurred_at not a time',
        body: JSON.stringify({ type: 'meter.created', occurred_at: 'yesterday', data: {} }),
        status: 422,
        code: 'validation_failed',
        field: 'occurred_at',
      },
      {
        name: 'tenant_id a number',
        body: JSON.stringify({ tenant_id: 42, type: 'meter.created', data: {} }),
        status: 422,
        code: 'validation_failed',
        field: 'tenant_id',
      },
      {
        name: 'unknown tenant',
        body: JSON.stringify({ tenant_id: 'ten_nobody_here', type: 'meter.created', data: {} }),
        status: 422,
        code: 'validation_failed',
        field: 'tenant_id',
      },
      {
        name: 'schema-invalid',
        body: JSON.stringify({ type: 'meter_data.received', data: [{ meter_id: 'm-1' }, {}] }),
        status: 422,
        code: 'validation_failed',
        field: 'data.1.meter_id',
      },
      {
        name: 'schema-invalid: not a list',
        body: JSON.stringify({ type: 'meter_data.received', data: { meter_id: 'm-1' } }),
        status: 422,
        code: 'validation_failed',
        field: 'data',
      },
      {
        name: 'a list over the event limit',
        body: JSON.stringify({
          type: 'meter_data.received',
          data: [{ meter_id: 'm-1', padding: 'x'.repeat(MAX_EVENT_BYTES) }],
        }),
        status: 413,
        code: 'payload_too_large',
      },
      {
        name: 'over the event limit',
        body: oversize(MAX_EVENT_BYTES + 500),
        status: 413,
        code: 'payload_too_large',
      },
      {
        name: 'far over the event limit',
        body: oversize(HUGE),
        status: 413,
        code: 'payload_too_large',
      },
    ];

    for (const entry of cases) {
      const answer = await post(entry.body);
      expect({ case: entry.name, status: answer.status, code: answer.body?.error?.code }).toEqual({
        case: entry.name,
        status: entry.status,
        code: entry.code,
      });
      expect(answer.body.error.message.length).toBeGreaterThan(5);
      if (entry.field) {
        expect({ case: entry.name, fields: answer.body.error.details.map((d) => d.field) }).toEqual(
          { case: entry.name, fields: [entry.field] },
        );
        expect(answer.body.error.details[0].message.length).toBeGreaterThan(3);
      }
    }

    const good = await post(JSON.stringify({ type: 'meter_data.received', data: goodData }));
    expect(good.status).toBe(202);
    const { id } = good.body as unknown as { id: string };
    const delivered = await waitFor('the good event', () => requestsTo('/bad/http')[0]);
    expect(verify(secret, delivered)).toMatchObject({
      id,
      type: 'meter_data.received',
      data: goodData,
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(requestsTo('/bad/http')).toHaveLength(1);
    const stored = await client.request<{ data: { id: string }[] }>('GET', '/v1/events');
    expect(stored.body.data.map((event) => event.id)).toEqual([id]);
  });
});
