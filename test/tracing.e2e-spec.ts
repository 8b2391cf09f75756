import {
  ApiClient,
  OtlpReceiver,
  SqsQueues,
  TEST_SQS_KEYS,
  TEST_SQS_REGION,
  testConfig,
  waitFor,
  WebhookReceiver,
  type ReceivedSpan,
} from '@herald/testing';
import {
  buildDist,
  startServiceProcess,
  stopServiceProcess,
  type ServiceProcess,
  type ServiceRole,
} from './support/service-process';
import { mailHeader, SmtpReceiver } from './support/smtp-receiver';

interface Tenant {
  id: string;
  client: ApiClient;
  /** Subscription ids by what they are for. */
  subscriptions: Record<string, string>;
}

const EVENT_TOPICS = ['herald.events.inbound', 'herald.deliveries'];
const SERVICES = ['herald-subscription-api', 'herald-event-ingest', 'herald-deliverer'];

/** Every span's parent is in the trace, and only `root` has none. */
function expectConnected(trace: ReceivedSpan[], root: ReceivedSpan): void {
  expect(root.parentSpanId).toBeNull();
  expect(trace.filter((span) => span.parentSpanId === null)).toEqual([root]);
  const ids = new Set(trace.map((span) => span.spanId));
  for (const span of trace) {
    if (span.parentSpanId !== null) expect(ids).toContain(span.parentSpanId);
  }
}

/** Each span is the child of the one before it. */
function expectChain(chain: ReceivedSpan[]): void {
  for (let index = 1; index < chain.length; index++) {
    expect({ span: chain[index].name, parent: chain[index].parentSpanId }).toEqual({
      span: chain[index].name,
      parent: chain[index - 1].spanId,
    });
  }
}

/**
 * One trace per event, across processes: the three services run compiled, each as its own OS process
 * with its own `service.name` (as the images run them), exporting to an OTLP collector on loopback.
 * The API exports OTLP/JSON and the pipeline the default OTLP/protobuf, so both encodings are used.
 */
describe('tracing: one event is one connected trace across the three services', () => {
  const config = testConfig();
  const children: ServiceProcess[] = [];
  const figures: string[] = [];
  let collector: OtlpReceiver;
  let receiver: WebhookReceiver;
  let smtp: SmtpReceiver;
  let queues: SqsQueues;
  let queue: { name: string; url: string };
  let api: ApiClient;
  let webhookTenant: Tenant;
  let fanOutTenant: Tenant;
  let retryTenant: Tenant;

  async function start(
    role: ServiceRole,
    env: Record<string, string> = {},
  ): Promise<ServiceProcess> {
    const started = await startServiceProcess(role, {
      KAFKA_BROKERS: config.kafka.brokers.join(','),
      DATABASE_URL: process.env.DATABASE_URL,
      HERALD_ENCRYPTION_KEY: process.env.HERALD_TEST_ENCRYPTION_KEY,
      HERALD_ADMIN_TOKEN: config.auth.adminToken ?? undefined,
      HERALD_ALLOW_PRIVATE_DESTINATIONS: 'true',
      HERALD_TOPIC_PARTITIONS: String(config.kafka.topicPartitions),
      HERALD_RETRY_SCHEDULE: config.delivery.retrySchedule.map((ms) => `${ms}ms`).join(','),
      HERALD_CIRCUIT_BREAKER_THRESHOLD: String(config.delivery.circuitBreaker.threshold),
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      ...env,
    });
    children.push(started);
    return started;
  }

  async function tenant(name: string, destinations: Record<string, object>): Promise<Tenant> {
    const { tenantId, client } = await api.createTenant(name);
    const subscriptions: Record<string, string> = {};
    for (const [what, destination] of Object.entries(destinations)) {
      const created = await client.request<{ id: string }>('POST', '/v1/subscriptions', {
        event_types: ['meter_data.*'],
        destination,
      });
      expect(created.status).toBe(201);
      subscriptions[what] = created.body.id;
    }
    return { id: tenantId, client, subscriptions };
  }

  async function post(tenant: Tenant): Promise<string> {
    const accepted = await tenant.client.request<{ id: string }>('POST', '/v1/events', {
      type: 'meter_data.received',
      data: { meter_id: 'm-1', kwh: 3.5 },
    });
    expect(accepted.status).toBe(202);
    return accepted.body.id;
  }

  /** The trace of the outbound call of a delivery, once the collector has its CLIENT span. */
  async function traceOfDelivery(deliveryId: string): Promise<string> {
    const span = await waitFor(`the CLIENT span of delivery ${deliveryId}`, () =>
      collector.spans.find(
        (candidate) =>
          candidate.kind === 'client' && candidate.attributes['herald.delivery.id'] === deliveryId,
      ),
    );
    return span.traceId;
  }

  /**
   * A trace once every span in it has its parent there too: spans are exported in batches, and a
   * parent, which ends after its children, often comes in a later one. A parent that never comes
   * fails the test on the wait.
   */
  async function connectedTrace(traceId: string): Promise<ReceivedSpan[]> {
    return waitFor(`every span's parent in trace ${traceId}`, () => {
      const trace = collector.trace(traceId);
      const ids = new Set(trace.map((span) => span.spanId));
      return (
        trace.every((span) => span.parentSpanId === null || ids.has(span.parentSpanId)) && trace
      );
    });
  }

  /** The spans of a trace, once it holds one span matching each of `wanted` (in that order). */
  async function hops(
    traceId: string,
    wanted: readonly (readonly [string, ReceivedSpan['kind'], string | RegExp])[],
  ): Promise<ReceivedSpan[]> {
    const pick = (
      taken: ReceivedSpan[],
      [service, kind, name]: readonly [string, ReceivedSpan['kind'], string | RegExp],
    ): ReceivedSpan | undefined =>
      collector
        .trace(traceId)
        .find(
          (span) =>
            !taken.includes(span) &&
            span.serviceName === service &&
            span.kind === kind &&
            (typeof name === 'string' ? span.name === name : name.test(span.name)),
        );
    // Each service exports on its own schedule; the trace is complete once every hop has arrived.
    return waitFor(
      `trace ${traceId} to hold ${wanted.map(([, kind, name]) => `${kind} ${String(name)}`).join(', ')}`,
      () => {
        const taken: ReceivedSpan[] = [];
        for (const hop of wanted) {
          const span = pick(taken, hop);
          if (!span) return false;
          taken.push(span);
        }
        return taken;
      },
      15_000,
    );
  }

  /** The spans about one tenant's event wherever they were made: its request and its messages. */
  function spansAbout(tenant: Tenant): ReceivedSpan[] {
    const keys = [tenant.id, ...Object.values(tenant.subscriptions)];
    return collector.spans.filter(
      (span) =>
        EVENT_TOPICS.some((topic) =>
          String(span.attributes['messaging.destination.name']).startsWith(topic),
        ) && keys.includes(String(span.attributes['messaging.kafka.message.key'])),
    );
  }

  const ingestHops = [
    ['herald-subscription-api', 'server', 'POST /v1/events'],
    ['herald-subscription-api', 'producer', 'send herald.events.inbound'],
    ['herald-event-ingest', 'consumer', 'process herald.events.inbound'],
    // Matched where it is stored: event-ingest publishes the deliveries in the event's consume span.
    ['herald-event-ingest', 'producer', 'send herald.deliveries'],
  ] as const;

  beforeAll(async () => {
    figures.push(`dist/ built in ${buildDist()} ms`);
    collector = await OtlpReceiver.start();
    receiver = await WebhookReceiver.start();
    smtp = await SmtpReceiver.start();
    queues = new SqsQueues();
    queue = await queues.create('tracing');
    // The first call to /flaky fails, its retry succeeds.
    receiver.respondWith((request) =>
      request.path === '/flaky' &&
      receiver.requests.filter((seen) => seen.path === '/flaky').length === 1
        ? { status: 500, body: 'down' }
        : { status: 200, body: 'ok' },
    );

    const apiChild = await start('subscription-api', { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
    api = new ApiClient(`http://127.0.0.1:${apiChild.port}`, config.auth.adminToken);
    webhookTenant = await tenant('tracing-webhook', {
      webhook: { type: 'webhook', url: `${receiver.url}/traced` },
    });
    fanOutTenant = await tenant('tracing-fan-out', {
      email: { type: 'email', to: ['ops@tracing.test'] },
      sqs: {
        type: 'sqs',
        region: TEST_SQS_REGION,
        queue_name: queue.name,
        access_key_id: TEST_SQS_KEYS.accessKeyId,
        secret_access_key: TEST_SQS_KEYS.secretAccessKey,
        endpoint_url: queues.endpoint,
      },
    });
    retryTenant = await tenant('tracing-retry', {
      webhook: { type: 'webhook', url: `${receiver.url}/flaky` },
    });
    // Started after the subscriptions exist: event-ingest loads them from PostgreSQL at start.
    const pipelineStarted = Date.now();
    await Promise.all([start('event-ingest'), start('deliverer', { HERALD_SMTP_URL: smtp.url })]);
    figures.push(`pipeline services ready in ${Date.now() - pipelineStarted} ms`);
  }, 240_000);

  afterAll(async () => {
    // No service may outlive the suite: it would hold the consumer groups' partitions.
    await Promise.all(children.map((child) => stopServiceProcess(child)));
    if (queue) await queues.delete(queue.url);
    await smtp?.stop();
    await receiver?.stop();
    await collector?.stop();
    process.stderr.write(`tracing: ${figures.join('; ')}\n`);
  }, 60_000);

  it('links the API request, ingest, matching and the webhook POST in one trace, with messaging attributes', async () => {
    const posted = Date.now();
    const eventId = await post(webhookTenant);
    const webhook = await waitFor(
      'the webhook of the traced event',
      () => receiver.requests.find((request) => request.path === '/traced'),
      30_000,
    );
    figures.push(`webhook delivered ${Date.now() - posted} ms after the POST`);
    expect(JSON.parse(webhook.body)).toMatchObject({ id: eventId });
    // Trace ids are Herald's internals: a tenant's endpoint is not told them.
    expect(webhook.headers).not.toHaveProperty('traceparent');
    expect(webhook.headers).not.toHaveProperty('tracestate');

    const traceId = await traceOfDelivery(String(webhook.headers['webhook-id']));
    const chain = await hops(traceId, [
      ...ingestHops,
      ['herald-deliverer', 'consumer', 'process herald.deliveries'],
      ['herald-deliverer', 'client', 'POST'],
    ]);
    const [server, apiSend, ingest, ingestSend, deliverer, call] = chain;
    const trace = await connectedTrace(traceId);
    figures.push(`${trace.length} spans in the webhook event's trace`);

    // One trace for the event: every span about it, wherever it was made, carries the same id: the
    // publish and consume of herald.events.inbound and of herald.deliveries.
    const about = spansAbout(webhookTenant);
    expect(about.length).toBe(4);
    expect(new Set(about.map((span) => span.traceId))).toEqual(new Set([traceId]));
    expect(new Set(trace.map((span) => span.serviceName))).toEqual(new Set(SERVICES));
    // The API request is the root; the hops form one chain: request → publish → consume → …
    expectConnected(trace, server);
    expectChain(chain);

    expect(server.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/v1/events',
      'url.path': '/v1/events',
      'http.response.status_code': 202,
    });
    for (const [send, topic, key] of [
      [apiSend, 'herald.events.inbound', webhookTenant.id],
      [ingestSend, 'herald.deliveries', webhookTenant.subscriptions.webhook],
    ] as const) {
      expect(send.attributes).toMatchObject({
        'messaging.system': 'kafka',
        'messaging.system.name': 'kafka',
        'messaging.operation.type': 'send',
        'messaging.destination.name': topic,
        'messaging.batch.message_count': 1,
        'messaging.kafka.message.key': key,
        'kafka.message.key': key,
      });
    }
    for (const [consume, topic, group, key] of [
      [ingest, 'herald.events.inbound', 'herald.event-ingest', webhookTenant.id],
      [deliverer, 'herald.deliveries', 'herald.deliverer', webhookTenant.subscriptions.webhook],
    ] as const) {
      expect(consume.attributes).toMatchObject({
        'messaging.system': 'kafka',
        'messaging.system.name': 'kafka',
        'messaging.operation.type': 'process',
        'messaging.destination.name': topic,
        'messaging.consumer.group.name': group,
        'messaging.kafka.message.key': key,
        'kafka.message.key': key,
      });
      expect(consume.attributes['messaging.destination.partition.id']).toMatch(/^\d+$/);
      expect(typeof consume.attributes['messaging.kafka.offset']).toBe('number');
      expect(consume.attributes['kafka.offset']).toBe(consume.attributes['messaging.kafka.offset']);
    }
    expect(call.attributes).toMatchObject({
      'http.request.method': 'POST',
      'url.scheme': 'http',
      'server.address': '127.0.0.1',
      'server.port': Number(new URL(receiver.url).port),
      'http.response.status_code': 200,
    });
    expect(call.status.code).toBe('unset');
    // Never the endpoint's path or query: they may hold the tenant's credentials.
    expect(JSON.stringify(call.attributes)).not.toContain('/traced');

    // The API sent OTLP/JSON, the pipeline services the default OTLP/protobuf.
    expect(new Set(trace.map((span) => `${span.serviceName} ${span.contentType}`))).toEqual(
      new Set([
        'herald-subscription-api application/json',
        'herald-event-ingest application/x-protobuf',
        'herald-deliverer application/x-protobuf',
      ]),
    );
  });

  it('puts the mail and the SQS message of one event in its trace, as CLIENT spans', async () => {
    const eventId = await post(fanOutTenant);
    const [message] = await queues.take(queue.url, 1);
    // The mail that names this event: a late delivery of an earlier suite's email destination can
    // reach this receiver too when its port is given out again (CI saw one 19 minutes late).
    const mail = await waitFor(
      'the mail of the event',
      () => smtp.messages.find((m) => mailHeader(m.raw, 'X-Herald-Event-Id') === eventId),
      30_000,
    );
    expect(message.attributes.event_id).toBe(eventId);
    expect(mailHeader(mail.raw, 'X-Herald-Event-Id')).toBe(eventId);

    const mailDelivery = String(mailHeader(mail.raw, 'X-Herald-Delivery-Id'));
    const traceId = await traceOfDelivery(mailDelivery);
    expect(await traceOfDelivery(message.attributes.delivery_id)).toBe(traceId);
    const [server, , , ingestSend, ...rest] = await hops(traceId, [
      ...ingestHops,
      ['herald-deliverer', 'consumer', 'process herald.deliveries'],
      ['herald-deliverer', 'consumer', 'process herald.deliveries'],
      ['herald-deliverer', 'client', 'smtp send'],
      ['herald-deliverer', 'client', 'SQS SendMessage'],
    ]);
    const [firstConsume, secondConsume, smtpSend, sqsSend] = rest;
    const trace = await connectedTrace(traceId);
    expectConnected(trace, server);
    expect(new Set(spansAbout(fanOutTenant).map((span) => span.traceId))).toEqual(
      new Set([traceId]),
    );
    // One publish of both deliveries; each is consumed and sent in a span of its own.
    expect(ingestSend.attributes['messaging.batch.message_count']).toBe(2);
    expect(ingestSend.attributes).not.toHaveProperty('messaging.kafka.message.key');
    for (const consume of [firstConsume, secondConsume]) {
      expect(consume.parentSpanId).toBe(ingestSend.spanId);
    }
    const consumers = [firstConsume.spanId, secondConsume.spanId];
    expect(consumers).toContain(smtpSend.parentSpanId);
    expect(consumers).toContain(sqsSend.parentSpanId);
    expect(smtpSend.parentSpanId).not.toBe(sqsSend.parentSpanId);

    expect(smtpSend.attributes).toMatchObject({
      'server.address': '127.0.0.1',
      'server.port': Number(new URL(smtp.url).port),
      'herald.smtp.reply_code': 250,
      'herald.delivery.id': mailDelivery,
    });
    expect(smtpSend.status.code).toBe('unset');
    expect(sqsSend.attributes).toMatchObject({
      'messaging.system': 'aws_sqs',
      'messaging.system.name': 'aws_sqs',
      'messaging.operation.type': 'send',
      'messaging.destination.name': queue.name,
      'rpc.system': 'aws-api',
      'rpc.service': 'SQS',
      'rpc.method': 'SendMessage',
      'cloud.region': TEST_SQS_REGION,
      'server.address': new URL(queues.endpoint).hostname,
      'http.response.status_code': 200,
      'herald.delivery.id': message.attributes.delivery_id,
    });
    expect(sqsSend.status.code).toBe('unset');
    // Neither the mail's recipients nor the queue's keys are put on spans.
    const attributes = JSON.stringify([smtpSend.attributes, sqsSend.attributes]);
    expect(attributes).not.toContain('ops@tracing.test');
    expect(attributes).not.toContain(TEST_SQS_KEYS.accessKeyId);
    expect(attributes).not.toContain(TEST_SQS_KEYS.secretAccessKey);
  });

  it('keeps a retried delivery in its event’s trace: failed POST, retry topic, successful POST', async () => {
    await post(retryTenant);
    const [failed, succeeded] = await waitFor(
      'the failed webhook and its retry',
      () => {
        const seen = receiver.requests.filter((request) => request.path === '/flaky');
        return seen.length >= 2 && seen;
      },
      30_000,
    );
    expect(failed.headers['webhook-id']).toBe(succeeded.headers['webhook-id']);
    expect(succeeded.headers).not.toHaveProperty('traceparent');

    const traceId = await traceOfDelivery(String(failed.headers['webhook-id']));
    const [server, , , , firstConsume, retrySend, retryConsume, ...calls] = await hops(traceId, [
      ...ingestHops,
      ['herald-deliverer', 'consumer', 'process herald.deliveries'],
      ['herald-deliverer', 'producer', /^send herald\.deliveries\.retry\./],
      ['herald-deliverer', 'consumer', /^process herald\.deliveries\.retry\./],
      ['herald-deliverer', 'client', 'POST'],
      ['herald-deliverer', 'client', 'POST'],
    ]);
    const trace = await connectedTrace(traceId);
    expectConnected(trace, server);
    expect(new Set(spansAbout(retryTenant).map((span) => span.traceId))).toEqual(
      new Set([traceId]),
    );

    const byStatus = (status: number) =>
      calls.find((call) => call.attributes['http.response.status_code'] === status);
    const [firstCall, secondCall] = [byStatus(500), byStatus(200)];
    // The first attempt failed; the re-publish is a child of the attempt's consume span (not of the
    // message's original producer), and the retry's consumer continues from it.
    expect(firstCall?.parentSpanId).toBe(firstConsume.spanId);
    expect(firstCall?.status.code).toBe('error');
    expect(firstCall?.attributes['error.type']).toBe('500');
    expectChain([firstConsume, retrySend, retryConsume]);
    expect(secondCall?.parentSpanId).toBe(retryConsume.spanId);
    expect(retrySend.attributes['messaging.destination.name']).toBe(
      retryConsume.attributes['messaging.destination.name'],
    );
    expect(retryConsume.attributes['messaging.consumer.group.name']).toBe('herald.deliverer');
    expect(secondCall?.status.code).toBe('unset');
  });
});
