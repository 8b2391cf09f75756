import { DataSource } from 'typeorm';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { dataSourceOptions } from '@herald/persistence';
import {
  ApiClient,
  testConfig,
  TopicRecorder,
  verifyWebhook,
  waitFor,
  WebhookReceiver,
  type ReceivedRequest,
  type Responder,
} from '@herald/testing';
import { startHerald, type RunningHerald } from './support/herald-harness';

/** The body an operational event arrives with (any Standard Webhooks receiver sees this). */
interface OperationalBody {
  id: string;
  type: string;
  subscription_id: string;
  delivery_id: string;
  data: {
    subscription_id: string;
    delivery_id: string;
    event_id: string;
    event_type: string;
    attempts: number;
    status_code: number | null;
    first_failed_at: string | null;
    reason?: string;
    cause?: string;
    disabled_at?: string;
    recovered_at?: string;
  };
}

interface SubscriptionBody {
  id: string;
  secret: string;
  status: string;
  disabled_reason: string | null;
  failing_since: string | null;
}

interface DeliveryItem {
  id: string;
  event_id: string;
  status: string;
  attempts: number;
}

interface DeliveryDetail {
  id: string;
  status: string;
  attempts: {
    attempt: number;
    started_at: string;
    status_code: number | null;
    error_message: string | null;
  }[];
}

interface EventDetail {
  id: string;
  deliveries: { subscription_id: string; status: string }[];
}

const FINAL = ['succeeded', 'failed', 'dead'];

/** Paths of one receiver answer by their own rules; anything else answers 200. */
class Routes {
  private readonly routes = new Map<string, Responder>();

  readonly responder: Responder = (request) =>
    (this.routes.get(request.path) ?? (() => ({ status: 200 })))(request);

  set(path: string, responder: Responder): void {
    this.routes.set(path, responder);
  }
}

function heraldSession(config?: Record<string, string>) {
  const session = {
    herald: undefined as unknown as RunningHerald,
    receiver: undefined as unknown as WebhookReceiver,
    operator: undefined as unknown as ApiClient,
    db: undefined as unknown as DataSource,
    routes: new Routes(),
  };
  beforeAll(async () => {
    session.herald = await startHerald(testConfig(config));
    session.receiver = await WebhookReceiver.start();
    session.receiver.respondWith(session.routes.responder);
    session.operator = new ApiClient(session.herald.apiUrl, session.herald.config.auth.adminToken);
    session.db = await new DataSource(
      dataSourceOptions(session.herald.config.database.url),
    ).initialize();
  });
  afterAll(async () => {
    await session.db?.destroy();
    await session.receiver?.stop();
    await session.herald?.stop();
  });
  return session;
}

type Session = ReturnType<typeof heraldSession>;

async function subscribe(
  session: Session,
  client: ApiClient,
  eventTypes: string[],
  path: string,
): Promise<SubscriptionBody> {
  const created = await client.request<SubscriptionBody>('POST', '/v1/subscriptions', {
    event_types: eventTypes,
    destination: { type: 'webhook', url: `${session.receiver.url}${path}` },
  });
  expect(created.status).toBe(201);
  return created.body;
}

async function publish(client: ApiClient, id: string, type = 'meter.created'): Promise<void> {
  const sent = await client.request('POST', '/v1/events', { id, type, data: { meter_id: id } });
  expect(sent.status).toBe(202);
}

/** The operational events a subscription received, verified with its signing secret. */
function received(
  session: Session,
  path: string,
  subscription: SubscriptionBody,
): OperationalBody[] {
  return session.receiver
    .distinctRequestsTo(path)
    .map((request: ReceivedRequest) =>
      verifyWebhook<OperationalBody>(subscription.secret, request),
    );
}

async function deliveriesOf(client: ApiClient, subscriptionId: string): Promise<DeliveryItem[]> {
  const page = await client.request<{ data: DeliveryItem[] }>(
    'GET',
    `/v1/deliveries?subscription_id=${subscriptionId}&limit=100`,
  );
  return page.body.data;
}

async function deliveryDetail(client: ApiClient, id: string): Promise<DeliveryDetail> {
  return (await client.request<DeliveryDetail>('GET', `/v1/deliveries/${id}`)).body;
}

/** A delivery once `attempts` attempts are recorded (the history may be written in batches). */
async function settled(client: ApiClient, id: string, attempts: number): Promise<DeliveryDetail> {
  return waitFor(`${attempts} recorded attempts of ${id}`, async () => {
    const detail = await deliveryDetail(client, id);
    return detail.attempts.length >= attempts && detail;
  });
}

async function heraldEvents(
  client: ApiClient,
): Promise<{ id: string; type: string; subject: string }[]> {
  const page = await client.request<{ data: { id: string; type: string; subject: string }[] }>(
    'GET',
    '/v1/events?type=herald.**&limit=100',
  );
  return page.body.data;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('subscription health (schedule 1s,2s; auto-disable after the default 5d)', () => {
  const session = heraldSession();

  it('disables a subscription whose receiver answers 410, tells the tenant, and delivers it nothing more', async () => {
    const { client } = await session.operator.createTenant('health 410');
    const gone = await subscribe(session, client, ['meter.*'], '/gone');
    await subscribe(session, client, ['meter.*'], '/gone-witness');
    const ops = await subscribe(session, client, ['herald.subscription.disabled'], '/gone-ops');
    let calls = 0;
    // The first event fails and waits for its retry; the second hears 410 meanwhile.
    session.routes.set('/gone', () => (++calls === 1 ? { status: 500 } : { status: 410 }));

    await publish(client, 'gone-1');
    await waitFor('the first attempt at /gone', () => calls >= 1);
    await publish(client, 'gone-2');

    const [disabled] = await waitFor('herald.subscription.disabled at the ops hook', () => {
      const events = received(session, '/gone-ops', ops);
      return events.length > 0 && events;
    });
    expect(disabled).toMatchObject({
      type: 'herald.subscription.disabled',
      subscription_id: ops.id,
      data: {
        subscription_id: gone.id,
        event_id: 'gone-2',
        event_type: 'meter.created',
        status_code: 410,
        reason: 'gone: receiver answered 410',
        cause: 'gone',
      },
    });
    expect(disabled.data.first_failed_at).toMatch(ISO);
    expect(disabled.data.disabled_at).toMatch(ISO);

    const shown = await client.request<SubscriptionBody>('GET', `/v1/subscriptions/${gone.id}`);
    expect(shown.body).toMatchObject({
      status: 'disabled',
      disabled_reason: 'gone: receiver answered 410',
    });

    // The pending retry of the first event is not sent: it dies with the reason.
    const pending = await waitFor('the first event’s delivery to die', async () => {
      const item = (await deliveriesOf(client, gone.id)).find((d) => d.event_id === 'gone-1');
      return item?.status === 'dead' && settled(client, item.id, 2);
    });
    expect(pending.attempts.map((a) => [a.attempt, a.status_code, a.error_message])).toEqual([
      [1, 500, 'receiver answered 500'],
      [2, null, 'subscription disabled'],
    ]);

    // A later event goes everywhere else, and not to the disabled subscription.
    await publish(client, 'gone-3');
    await waitFor('the later event at the witness', () =>
      session.receiver
        .distinctRequestsTo('/gone-witness')
        .some((r) => (JSON.parse(r.body) as { id: string }).id === 'gone-3'),
    );
    await waitFor('every delivery of the later event to be final', async () => {
      const event = await client.request<EventDetail>('GET', '/v1/events/gone-3');
      return event.body.deliveries.every((d) => FINAL.includes(d.status));
    });
    expect(calls).toBe(2);
    expect(received(session, '/gone-ops', ops)).toHaveLength(1);
    expect(session.receiver.distinctRequestsTo('/gone-witness')).toHaveLength(3);

    const [streak] = await session.db.query<{ failing_since: Date | null }[]>(
      'SELECT failing_since FROM subscriptions WHERE id = $1',
      [gone.id],
    );
    expect(streak.failing_since).toBeInstanceOf(Date);

    // Re-enabling clears the reason and the run of failures, and deliveries flow again.
    session.routes.set('/gone', () => ({ status: 200 }));
    const enabled = await client.request<SubscriptionBody>(
      'PATCH',
      `/v1/subscriptions/${gone.id}`,
      {
        enabled: true,
      },
    );
    expect(enabled.body).toMatchObject({ status: 'active', disabled_reason: null });
    const [cleared] = await session.db.query<{ failing_since: Date | null }[]>(
      'SELECT failing_since FROM subscriptions WHERE id = $1',
      [gone.id],
    );
    expect(cleared.failing_since).toBeNull();
    const tested = await client.request<{ attempt: { outcome: string; status_code: number } }>(
      'POST',
      `/v1/subscriptions/${gone.id}/test`,
      {},
    );
    expect(tested.body.attempt).toMatchObject({ outcome: 'succeeded', status_code: 200 });
  });

  it('emits herald.delivery.exhausted when a delivery spends its schedule', async () => {
    const { client } = await session.operator.createTenant('health exhausted');
    const down = await subscribe(session, client, ['meter.*'], '/down');
    const ops = await subscribe(session, client, ['herald.delivery.exhausted'], '/down-ops');
    session.routes.set('/down', () => ({ status: 503, body: 'maintenance' }));

    await publish(client, 'down-1');
    const [exhausted] = await waitFor('herald.delivery.exhausted at the ops hook', () => {
      const events = received(session, '/down-ops', ops);
      return events.length > 0 && events;
    });
    const [delivery] = await deliveriesOf(client, down.id);
    const detail = await settled(client, delivery.id, 3);
    expect(detail.status).toBe('dead');
    expect(exhausted).toMatchObject({
      type: 'herald.delivery.exhausted',
      data: {
        subscription_id: down.id,
        delivery_id: delivery.id,
        event_id: 'down-1',
        event_type: 'meter.created',
        attempts: 3,
        status_code: 503,
        reason: 'gave up after 3 attempts',
      },
    });
    // The run of failures began with the first attempt, before the second.
    const firstFailedAt = Date.parse(String(exhausted.data.first_failed_at));
    expect(firstFailedAt).toBeGreaterThanOrEqual(Date.parse(detail.attempts[0].started_at));
    expect(firstFailedAt).toBeLessThan(Date.parse(detail.attempts[1].started_at));

    const events = await heraldEvents(client);
    expect(events.map((e) => [e.type, e.subject])).toEqual([
      ['herald.delivery.exhausted', down.id],
    ]);
    const shown = await client.request<SubscriptionBody>('GET', `/v1/subscriptions/${down.id}`);
    expect(shown.body.status).toBe('active');
  });

  it('emits herald.delivery.recovered when a delivery succeeds after failures', async () => {
    const { client } = await session.operator.createTenant('health recovered');
    const flaky = await subscribe(session, client, ['meter.*'], '/flaky');
    const ops = await subscribe(session, client, ['herald.delivery.recovered'], '/flaky-ops');
    let calls = 0;
    // The first and the fifth request fail; every other one succeeds.
    session.routes.set('/flaky', () =>
      [1, 5].includes(++calls) ? { status: 500 } : { status: 200 },
    );

    await publish(client, 'flaky-1');
    const [recovered] = await waitFor('herald.delivery.recovered at the ops hook', () => {
      const events = received(session, '/flaky-ops', ops);
      return events.length > 0 && events;
    });
    const [delivery] = await deliveriesOf(client, flaky.id);
    const detail = await settled(client, delivery.id, 2);
    expect(recovered).toMatchObject({
      type: 'herald.delivery.recovered',
      data: {
        subscription_id: flaky.id,
        delivery_id: delivery.id,
        event_id: 'flaky-1',
        attempts: 2,
        status_code: 200,
      },
    });
    const firstFailedAt = Date.parse(String(recovered.data.first_failed_at));
    // A success ended the run of failures: the subscription no longer shows one.
    const healthy = await client.request<SubscriptionBody>('GET', `/v1/subscriptions/${flaky.id}`);
    expect(healthy.body.failing_since).toBeNull();
    expect(firstFailedAt).toBeGreaterThanOrEqual(Date.parse(detail.attempts[0].started_at));
    expect(firstFailedAt).toBeLessThan(Date.parse(detail.attempts[1].started_at));
    expect(recovered.data.recovered_at).toMatch(ISO);

    // Successes while healthy are no recovery; the next failure and success are a second one. Ingest
    // reads a tenant's operational events in order, so once that one is stored, any recovery the
    // healthy successes had wrongly caused is stored too.
    await publish(client, 'flaky-2');
    await publish(client, 'flaky-3');
    await waitFor('the second and third event delivered', () => calls >= 4);
    await publish(client, 'flaky-4');
    const second = await waitFor('the second recovery', () => {
      const events = received(session, '/flaky-ops', ops);
      return events.length >= 2 && events[1];
    });
    expect(second.data).toMatchObject({ event_id: 'flaky-4', attempts: 2 });
    const events = await waitFor('both recoveries stored', async () => {
      const found = await heraldEvents(client);
      return found.length >= 2 && found;
    });
    expect(events.map((e) => e.type)).toEqual([
      'herald.delivery.recovered',
      'herald.delivery.recovered',
    ]);
    expect(received(session, '/flaky-ops', ops).map((e) => e.data.event_id)).toEqual([
      'flaky-1',
      'flaky-4',
    ]);
  });

  it('loop guard: an operational subscription that always fails causes no operational events', async () => {
    const { client } = await session.operator.createTenant('health loop guard');
    const down = await subscribe(session, client, ['meter.*'], '/loop-down');
    const ops = await subscribe(session, client, ['herald.**'], '/loop-ops');
    session.routes.set('/loop-down', () => ({ status: 503 }));
    session.routes.set('/loop-ops', () => ({ status: 500 }));

    const published = Date.now();
    await publish(client, 'loop-1');
    const opsDelivery = await waitFor(
      'the ops subscription’s delivery of the first exhausted event to die',
      async () => {
        const [item] = await deliveriesOf(client, ops.id);
        return item?.status === 'dead' && item;
      },
      30_000,
    ).catch(async (error: unknown) => {
      // Where the chain stood: the failing delivery, the event it caused, the ops delivery.
      const history = async (id: string) =>
        Promise.all(
          (await deliveriesOf(client, id)).map(async (item) => ({
            ...item,
            attempts: (await deliveryDetail(client, item.id)).attempts.map(
              (attempt) => `${attempt.attempt}@${Date.parse(attempt.started_at) - published}ms`,
            ),
          })),
        );
      const calls = (path: string) =>
        session.receiver.requests
          .filter((request) => request.path === path)
          .map((request) => request.receivedAt - published);
      const where = {
        down: await history(down.id),
        ops: await history(ops.id),
        events: await heraldEvents(client),
        calls: { down: calls('/loop-down'), ops: calls('/loop-ops') },
      };
      throw new Error(`${(error as Error).message}; ${JSON.stringify(where)}`);
    });
    expect(opsDelivery.attempts).toBe(3);

    // Ingest reads a tenant's operational events in order: once the next one is stored, anything
    // the dead ops delivery would have caused is stored too.
    await publish(client, 'loop-2');
    const events = await waitFor('the second exhausted event', async () => {
      const found = await heraldEvents(client);
      return found.length >= 2 && found;
    });
    expect(events.map((e) => [e.type, e.subject])).toEqual([
      ['herald.delivery.exhausted', down.id],
      ['herald.delivery.exhausted', down.id],
    ]);
    expect(session.receiver.distinctRequestsTo('/loop-ops').length).toBeGreaterThanOrEqual(1);
  });

  describe('producers cannot publish herald.* types', () => {
    let producer: Producer;
    beforeAll(async () => {
      producer = new Kafka({
        brokers: session.herald.config.kafka.brokers,
        logLevel: logLevel.NOTHING,
      }).producer();
      await producer.connect();
    });
    afterAll(async () => {
      await producer.disconnect();
    });

    it.each(['herald.subscription.disabled', 'herald.delivery.recovered', 'Herald.anything'])(
      'POST /v1/events of %s answers 400 reserved_event_type',
      async (type) => {
        const { client } = await session.operator.createTenant(`reserved http ${type}`);
        const sent = await client.request<{
          error: { code: string; details: { field: string }[] };
        }>('POST', '/v1/events', { id: 'forged', type, data: {} });
        expect(sent.status).toBe(400);
        expect(sent.body.error.code).toBe('reserved_event_type');
        expect(sent.body.error.details[0].field).toBe('type');
        expect((await client.request('GET', '/v1/events/forged')).status).toBe(404);
      },
    );

    it('sends a herald.* event from Kafka to herald.events.invalid with reserved_event_type', async () => {
      const { tenantId, client } = await session.operator.createTenant('reserved kafka');
      const rejected = await TopicRecorder.start(
        session.herald.config.kafka.brokers,
        'herald.events.invalid',
        (message) => {
          const value = JSON.parse(String(message.value)) as {
            reason: { code: string; field?: string };
            value: string;
          };
          return value.value.includes(tenantId)
            ? {
                code: value.reason.code,
                field: value.reason.field,
                header: message.headers['herald-reason-code'],
              }
            : undefined;
        },
      );
      try {
        await producer.send({
          topic: 'herald.events.inbound',
          messages: [
            {
              key: tenantId,
              value: JSON.stringify({
                id: 'forged-kafka',
                tenant_id: tenantId,
                type: 'herald.subscription.disabled',
                data: { subscription_id: 'sub_forged' },
              }),
            },
          ],
        });
        const [reason] = await waitFor('the rejected event', () =>
          rejected.messages.length > 0 ? rejected.messages : undefined,
        );
        expect(reason).toEqual({
          code: 'reserved_event_type',
          field: 'type',
          header: 'reserved_event_type',
        });
      } finally {
        await rejected.stop();
      }
      expect((await client.request('GET', '/v1/events/forged-kafka')).status).toBe(404);
    });
  });
});

describe('auto-disable (HERALD_AUTO_DISABLE_AFTER=2s)', () => {
  const session = heraldSession({ HERALD_AUTO_DISABLE_AFTER: '2s' });

  it('disables a subscription that fails for longer than the window and tells the tenant', async () => {
    const { client } = await session.operator.createTenant('health auto-disable');
    const sick = await subscribe(session, client, ['meter.*'], '/sick');
    const ops = await subscribe(session, client, ['herald.subscription.disabled'], '/sick-ops');
    session.routes.set('/sick', () => ({ status: 500 }));

    await publish(client, 'sick-1');
    const [disabled] = await waitFor('herald.subscription.disabled at the ops hook', () => {
      const events = received(session, '/sick-ops', ops);
      return events.length > 0 && events;
    });
    const [delivery] = await deliveriesOf(client, sick.id);
    const detail = await settled(client, delivery.id, 1);
    expect(disabled).toMatchObject({
      type: 'herald.subscription.disabled',
      data: {
        subscription_id: sick.id,
        delivery_id: delivery.id,
        cause: 'failing',
        status_code: 500,
      },
    });
    const firstFailedAt = Date.parse(String(disabled.data.first_failed_at));
    expect(firstFailedAt).toBeGreaterThanOrEqual(Date.parse(detail.attempts[0].started_at));
    expect(Date.parse(String(disabled.data.disabled_at)) - firstFailedAt).toBeGreaterThanOrEqual(
      2000,
    );
    // Not on the first failure: the run must last the window (attempt 3 at about 3 s, or attempt 2
    // if its retry came late).
    expect(disabled.data.attempts).toBeGreaterThanOrEqual(2);

    const shown = await client.request<SubscriptionBody>('GET', `/v1/subscriptions/${sick.id}`);
    expect(shown.body.status).toBe('disabled');
    expect(shown.body.disabled_reason).toBe(
      `failing since ${disabled.data.first_failed_at}, longer than 2s`,
    );
    // The run of failures is shown as it is kept: since the first failed attempt.
    expect(Date.parse(String(shown.body.failing_since))).toBe(firstFailedAt);
  });
});
