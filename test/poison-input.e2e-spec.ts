import { Kafka, logLevel } from 'kafkajs';
import { TypedProducer } from '@herald/kafka';
import {
  ApiClient,
  testConfig,
  TopicRecorder,
  waitFor,
  WebhookReceiver,
  type ReceivedRequest,
} from '@herald/testing';
import { startHerald, untilIngestKnows, type RunningHerald } from './support/herald-harness';

type ErrorBody = { error: { code: string; message: string; details: { field: string }[] } };
type InvalidRecord = {
  key: string | null;
  code: string;
  body: {
    reason: { code: string; message: string; field?: string };
    source: { topic?: string; partition?: number };
    value: string | null;
    value_encoding: string;
    value_bytes?: number;
    value_truncated?: boolean;
  };
};

/** JSON text nested `levels` deep in `data`, as a hostile producer would write it. */
const deepData = (levels: number): string => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

/** Bytes that are not UTF-8 at all (continuation bytes with no lead byte, and 0xFF). */
const notUtf8 = (size: number): Buffer => Buffer.alloc(size).fill(Buffer.from([0x80, 0xbf, 0xff]));

/**
 * Poison input: what PostgreSQL, JSON or Kafka cannot take is refused at the door (4xx over HTTP,
 * herald.events.invalid over Kafka), and a message no stage can handle is parked with its reason —
 * never retried for ever at the head of its partition, so the next event of the same tenant on the
 * same partition is delivered at once.
 */
describe('poison input never blocks a partition', () => {
  let herald: RunningHerald;
  let receiver: WebhookReceiver;
  let operator: ApiClient;
  let invalid: TopicRecorder<InvalidRecord>;
  const kafka = new Kafka({
    clientId: 'a-hostile-producer',
    brokers: (process.env.KAFKA_BROKERS ?? '').split(','),
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer();

  beforeAll(async () => {
    herald = await startHerald(testConfig());
    receiver = await WebhookReceiver.start();
    operator = new ApiClient(herald.apiUrl, herald.config.auth.adminToken);
    invalid = await TopicRecorder.start<InvalidRecord>(
      herald.config.kafka.brokers,
      'herald.events.invalid',
      ({ key, value, headers }) =>
        value
          ? {
              key,
              code: headers['herald-reason-code'],
              body: JSON.parse(value.toString('utf8')) as InvalidRecord['body'],
            }
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

  /** A tenant with a catch-all webhook event-ingest already knows. */
  async function tenantWithHook(name: string): Promise<{
    tenantId: string;
    apiKey: string;
    client: ApiClient;
    path: string;
    subscriptionId: string;
  }> {
    const tenant = await operator.createTenant(name);
    const path = `/poison/${tenant.tenantId}`;
    // One at a time, so the deliveries also arrive in event order (a wider window may reorder them).
    const hook = await tenant.client.request<{ id: string }>('POST', '/v1/subscriptions', {
      event_types: ['*'],
      destination: { type: 'webhook', url: `${receiver.url}${path}` },
      max_in_flight: 1,
    });
    expect(hook.status).toBe(201);
    await untilIngestKnows(herald, hook.body.id);
    return { ...tenant, path, subscriptionId: hook.body.id };
  }

  const bodiesTo = (path: string): { id: string; data: Record<string, unknown> }[] =>
    receiver
      .distinctRequestsTo(path)
      .map((request: ReceivedRequest) => JSON.parse(request.body) as never);

  /** Waits for the good events, each of which followed a poison one on the same partition. */
  async function deliveredInOrder(path: string, ids: string[]): Promise<void> {
    await waitFor(
      `the ${ids.length} good events behind the poison ones`,
      () => bodiesTo(path).length >= ids.length,
      30_000,
    );
    expect(bodiesTo(path).map((body) => body.id)).toEqual(ids);
  }

  it('parks each poison Kafka message with its reason, and the next event of the tenant flows at once', async () => {
    const { tenantId, path } = await tenantWithHook('kafka poison');
    const envelope = (data: string, extra = ''): string =>
      `{"tenant_id":"${tenantId}","type":"meter.created"${extra},"data":${data}}`;
    const poison: { name: string; value: string | Buffer; code: string; field?: string }[] = [
      {
        name: 'nul',
        value: envelope('{"note":"a\\u0000b"}'),
        code: 'invalid_text',
        field: 'data.note',
      },
      {
        name: 'surrogate',
        value: envelope('{"s":["ok","\\ud800"]}'),
        code: 'invalid_text',
        field: 'data.s[1]',
      },
      {
        name: 'nul-in-subject',
        value: envelope('{}', ',"subject":"node/\\u0000"'),
        code: 'invalid_text',
        field: 'subject',
      },
      { name: 'deep', value: envelope(deepData(20_000)), code: 'too_deep' },
      { name: 'non-utf8-800kb', value: notUtf8(800 * 1024), code: 'too_large' },
      {
        name: 'non-utf8-in-a-string',
        value: Buffer.concat([Buffer.from(envelope('{"s":"')), notUtf8(9), Buffer.from('"}}')]),
        code: 'invalid_encoding',
      },
    ];
    const goodIds = poison.map((entry) => `good-after-${entry.name}`);
    const sentAt = Date.now();
    // One key, so one partition: each good event sits right behind a poison one.
    await producer.send({
      topic: 'herald.events.inbound',
      messages: poison.flatMap((entry, index) => [
        { key: tenantId, value: entry.value },
        {
          key: tenantId,
          value: JSON.stringify({
            id: goodIds[index],
            tenant_id: tenantId,
            type: 'meter.created',
            data: { after: entry.name },
          }),
        },
      ]),
    });

    await deliveredInOrder(path, goodIds);
    // Promptly: nothing waited for a retry of a poison message (the old loop retried every 30 s).
    expect(Date.now() - sentAt).toBeLessThan(25_000);

    const parked = await waitFor('every poison message in herald.events.invalid', () => {
      const mine = invalid.messages.filter((record) => record.key === tenantId);
      return mine.length >= poison.length && mine;
    });
    expect(parked.map((record) => record.code)).toEqual(poison.map((entry) => entry.code));
    parked.forEach((record, index) => {
      expect(record.body.reason.code).toBe(poison[index].code);
      expect(record.body.reason.message.length).toBeGreaterThan(10);
      if (poison[index].field) expect(record.body.reason.field).toBe(poison[index].field);
      expect(record.body.value_bytes).toBe(Buffer.byteLength(poison[index].value));
    });
    // 800 KB cannot be parked whole within Kafka's message limit: the first bytes are, and it says so.
    const huge = parked[poison.findIndex((entry) => entry.name === 'non-utf8-800kb')];
    expect(huge.body).toMatchObject({ value_encoding: 'base64', value_truncated: true });
    expect(Buffer.from(huge.body.value ?? '', 'base64').equals(notUtf8(384 * 1024))).toBe(true);
  });

  it('refuses each poison request with a 4xx and a reason, and the next event of the tenant flows at once', async () => {
    const { client, apiKey, path } = await tenantWithHook('http poison');
    const post = async (body: string | Buffer): Promise<{ status: number; body: ErrorBody }> => {
      const response = await fetch(`${herald.apiUrl}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body,
      });
      return { status: response.status, body: (await response.json()) as ErrorBody };
    };
    const event = (data: string): string => `{"type":"meter.created","data":${data}}`;
    const poison: {
      name: string;
      body: string | Buffer;
      status: number;
      code: string;
      field?: string;
    }[] = [
      {
        name: 'nul',
        body: event('{"note":"a\\u0000b"}'),
        status: 422,
        code: 'invalid_text',
        field: 'data.note',
      },
      {
        name: 'nul-in-a-key',
        body: event('{"a\\u0000":1}'),
        status: 422,
        code: 'invalid_text',
        field: 'data',
      },
      {
        name: 'surrogate',
        body: event('{"s":"\\udc00"}'),
        status: 422,
        code: 'invalid_text',
        field: 'data.s',
      },
      { name: 'deep', body: event(deepData(20_000)), status: 422, code: 'validation_failed' },
      { name: 'non-utf8-800kb', body: notUtf8(800 * 1024), status: 413, code: 'payload_too_large' },
      {
        name: 'non-utf8-in-a-string',
        body: Buffer.concat([Buffer.from(event('{"s":"')), notUtf8(9), Buffer.from('"}')]),
        status: 400,
        code: 'invalid_json',
      },
    ];
    const goodIds: string[] = [];
    for (const entry of poison) {
      const refused = await post(entry.body);
      expect({ name: entry.name, status: refused.status, code: refused.body.error.code }).toEqual({
        name: entry.name,
        status: entry.status,
        code: entry.code,
      });
      expect(refused.body.error.message.length).toBeGreaterThan(10);
      if (entry.field) expect(refused.body.error.details[0].field).toBe(entry.field);
      const good = await client.request<{ id: string }>('POST', '/v1/events', {
        type: 'meter.created',
        data: { after: entry.name },
      });
      expect(good.status).toBe(202);
      goodIds.push(good.body.id);
    }
    await deliveredInOrder(path, goodIds);
    const utf8 = await post(poison[poison.length - 1].body);
    expect(utf8.body.error.message).toContain('UTF-8');
  });

  it('refuses NUL characters and unpaired surrogates in bodies, paths and queries of other routes with a 4xx', async () => {
    const { client } = await tenantWithHook('routes');
    const attempts: [string, string, string | undefined][] = [
      [
        'POST',
        '/v1/event-types',
        '{"name":"a.b","schema":{"type":"object","description":"\\u0000"}}',
      ],
      ['POST', '/v1/event-types', '{"name":"a.c","description":"x\\ud800"}'],
      ['PATCH', '/v1/event-types/meter.created', '{"default_payload_fields":["a\\u0000"]}'],
      [
        'POST',
        '/v1/subscriptions',
        `{"event_types":["*"],"description":"\\u0000","destination":{"type":"webhook","url":"${receiver.url}/x"}}`,
      ],
      ['GET', '/v1/subscriptions/sub_%00', undefined],
      ['GET', '/v1/events?type=a%00', undefined],
    ];
    for (const [method, route, body] of attempts) {
      const answer = await client.request<ErrorBody>(method, route, body);
      expect({ route, status: answer.status >= 400 && answer.status < 500 }).toEqual({
        route,
        status: true,
      });
      expect(answer.body.error.code).toMatch(/^[a-z_]+$/);
    }
  });

  /** The event once the API shows why it failed, with its deliveries. */
  const failureShown = (client: ApiClient, id: string) =>
    waitFor('the failure on the event', async () => {
      const event = await client.request<{
        failure: { code: string; message: string; failed_at: string } | null;
        deliveries: { status: string }[];
      }>('GET', `/v1/events/${id}`);
      return event.body.failure !== null && event.body;
    });

  /** A subscription change on the changelog as no API would write it: its id holds a NUL. */
  const poisonChange = (tenantId: string, id: string, op: 'upsert' | 'delete') => ({
    key: id,
    value: JSON.stringify({
      subscription_id: id,
      tenant_id: tenantId,
      op,
      changed_at: new Date().toISOString(),
      subscription:
        op === 'delete'
          ? null
          : {
              enabled: true,
              status: 'active',
              event_types: ['poison.matched'],
              filter: null,
              trigger_fields: null,
              payload_fields: null,
              ordering: 'best_effort',
              rate_limit_per_second: null,
              updated_at: new Date().toISOString(),
            },
    }),
  });

  // Before matching moved into event-ingest this was an accepted event the matcher could not store
  // (herald.events.accepted); now the same failure — PostgreSQL refusing the event's deliveries — hits
  // event-ingest on the inbound record, after the event was stored.
  it('parks a stored event whose deliveries PostgreSQL refuses, tells its tenant, and the next event on its partition is delivered', async () => {
    const { tenantId, client, path } = await tenantWithHook('matching poison');
    // A subscription only a bug (or an older Herald) could have put on the changelog.
    const poisonId = `sub_\u0000poison_${Date.now()}`;
    await producer.send({
      topic: 'herald.subscriptions.changelog',
      messages: [poisonChange(tenantId, poisonId, 'upsert')],
    });
    await untilIngestKnows(herald, poisonId);
    try {
      const poisoned = await client.request<{ id: string }>('POST', '/v1/events', {
        type: 'poison.matched',
        data: { poison: true },
      });
      expect(poisoned.status).toBe(202);
      const good = await client.request<{ id: string }>('POST', '/v1/events', {
        type: 'meter.created',
        data: { after: 'matching-poison' },
      });
      await deliveredInOrder(path, [good.body.id]);
      const parked = await waitFor('the poisoned event in herald.events.invalid', () =>
        invalid.messages.find(
          (record) =>
            record.key === tenantId &&
            record.body.source.topic === 'herald.events.inbound' &&
            record.body.value?.includes(poisoned.body.id),
        ),
      );
      expect(parked.code).toBe('unprocessable');
      // PostgreSQL's refusal of the NUL: its words since rows go as JSON (unsupported Unicode escape).
      expect(parked.body.reason.message).toMatch(/0x00|UTF8|Unicode escape/);
      const shown = await failureShown(client, poisoned.body.id);
      expect(shown.failure?.code).toBe('unprocessable');
      expect(shown.failure?.message).toMatch(/0x00|UTF8|Unicode escape/);
      // The INSERT of its deliveries failed as a whole: none was made, none sent.
      expect(shown.deliveries).toEqual([]);
      expect(bodiesTo(path).map((body) => body.id)).not.toContain(poisoned.body.id);
      const healthy = await client.request<{ failure: unknown }>(
        'GET',
        `/v1/events/${good.body.id}`,
      );
      expect(healthy.body.failure).toBeNull();
    } finally {
      await producer.send({
        topic: 'herald.subscriptions.changelog',
        messages: [poisonChange(tenantId, poisonId, 'delete')],
      });
    }
  });

  // Before matching moved into event-ingest, the matcher was handed a stored event whose deliveries
  // it planned and could not send (data too deep to encode again, on herald.events.accepted). Ingest
  // refuses such data at the door now, so Kafka refusing the deliveries as too large — a failure
  // bound to the message — is injected on event-ingest's producer for this one event.
  it('tells the tenant why a stored event could not be matched, and dead-letters its unsent deliveries', async () => {
    const { tenantId, client, path } = await tenantWithHook('matching failure');
    const producerOfIngest = herald.ingest?.get(TypedProducer);
    if (!producerOfIngest) throw new Error('no event-ingest runs in this Herald');
    const marker = `unsendable-${Date.now()}`;
    const send = producerOfIngest.send.bind(producerOfIngest);
    const refused = jest.spyOn(producerOfIngest, 'send').mockImplementation((topic, messages) =>
      topic.name === 'herald.deliveries' && JSON.stringify(messages).includes(marker)
        ? Promise.reject(
            Object.assign(new Error('The request included a message larger than the max'), {
              name: 'KafkaJSProtocolError',
              type: 'MESSAGE_TOO_LARGE',
            }),
          )
        : send(topic, messages),
    );
    try {
      const unsendable = await client.request<{ id: string }>('POST', '/v1/events', {
        type: 'meter.created',
        data: { marker },
      });
      expect(unsendable.status).toBe(202);
      const good = await client.request<{ id: string }>('POST', '/v1/events', {
        type: 'meter.created',
        data: { after: 'matching-failure' },
      });
      await deliveredInOrder(path, [good.body.id]);
      const shown = await failureShown(client, unsendable.body.id);
      expect(shown.failure?.code).toBe('unprocessable');
      expect(shown.failure?.message).toContain('larger than the max');
      expect(shown.deliveries.map((delivery) => delivery.status)).toEqual(['dead']);
      const parked = await waitFor('the event in herald.events.invalid', () =>
        invalid.messages.find(
          (record) =>
            record.key === tenantId &&
            record.body.source.topic === 'herald.events.inbound' &&
            record.body.value?.includes(marker),
        ),
      );
      expect(parked.code).toBe('unprocessable');
      const healthy = await client.request<{ failure: unknown }>(
        'GET',
        `/v1/events/${good.body.id}`,
      );
      expect(healthy.body.failure).toBeNull();
    } finally {
      refused.mockRestore();
    }
  });

  it('parks a delivery the deliverer cannot handle, tells its tenant why, and the next delivery of the subscription goes out', async () => {
    const { tenantId, client, path, subscriptionId } = await tenantWithHook('deliverer poison');
    const first = await client.request<{ id: string }>('POST', '/v1/events', {
      type: 'meter.created',
      data: { n: 1 },
    });
    await deliveredInOrder(path, [first.body.id]);
    const event = await client.request<{ deliveries: { id: string }[] }>(
      'GET',
      `/v1/events/${first.body.id}`,
    );
    const deliveryId = event.body.deliveries[0].id;
    // The delivery again, as a retry topic would carry it, with a body whose data is too deep to send
    // (the body's own fields are what its schema asks; only the data is poison).
    await producer.send({
      topic: 'herald.deliveries',
      messages: [
        {
          key: subscriptionId,
          value: `{"delivery_id":"${deliveryId}","tenant_id":"${tenantId}","subscription_id":"${subscriptionId}","event_id":"${first.body.id}","event_type":"meter.created","attempt":1,"accepted_at":"${new Date().toISOString()}","body":{"id":"${first.body.id}","type":"meter.created","timestamp":"${new Date().toISOString()}","subscription_id":"${subscriptionId}","delivery_id":"${deliveryId}","data":${deepData(20_000)}}}`,
        },
      ],
    });
    const second = await client.request<{ id: string }>('POST', '/v1/events', {
      type: 'meter.created',
      data: { n: 2 },
    });
    await deliveredInOrder(path, [first.body.id, second.body.id]);
    const parked = await waitFor('the parked delivery to be dead', async () => {
      const delivery = await client.request<{
        status: string;
        attempts: { error_class: string | null; error_message: string | null }[];
      }>('GET', `/v1/deliveries/${deliveryId}`);
      return delivery.body.status === 'dead' && delivery.body;
    });
    expect(parked.attempts.at(-1)).toMatchObject({ error_class: 'ours' });
    expect(parked.attempts.at(-1)?.error_message).toContain('Maximum call stack size exceeded');
  });
});
