import {
  ApiClient,
  waitFor,
  WebhookReceiver,
  type ReceivedRequest,
  verifyWebhook,
} from '@herald/testing';
import { startHerald, type RunningHerald } from './support/herald-harness';

type Page<T> = { data: T[]; next_cursor: string | null };
type DeliveryItem = {
  id: string;
  webhook_id: string;
  subscription_id: string;
  event_id: string;
  event_type: string;
  origin: string;
  status: string;
  attempts: number;
  next_attempt_at: string | null;
};
type AttemptItem = {
  attempt: number;
  started_at: string;
  duration_ms: number;
  outcome: string;
  status_code: number | null;
  error_class: string | null;
  error_message: string | null;
  response_excerpt: string | null;
};
type DeliveryDetail = Omit<DeliveryItem, 'attempts'> & {
  attempts: AttemptItem[];
  redriven_at: string | null;
};

/** Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF rows). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && c === ',') {
      row.push(field);
      field = '';
    } else if (!quoted && c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else {
      field += c;
    }
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

/**
 * The delivery history through the whole pipeline (retry schedule 1s,2s in tests): a failing
 * receiver dead-letters a delivery with its attempts; redrive, retry, test and recover send again.
 */
describe('delivery history: dead letters, redrive, retry, test, recover and CSV export', () => {
  let herald: RunningHerald;
  let receiver: WebhookReceiver;
  let operator: ApiClient;
  const failing = new Set<string>();

  beforeAll(async () => {
    herald = await startHerald();
    receiver = await WebhookReceiver.start();
    receiver.respondWith((request) =>
      failing.has(request.path)
        ? { status: 500, body: 'receiver is down for maintenance' }
        : { status: 200, body: 'ok' },
    );
    operator = new ApiClient(herald.apiUrl, herald.config.auth.adminToken);
  });

  afterAll(async () => {
    await receiver.stop();
    await herald.stop();
  });

  const requestsTo = (path: string): ReceivedRequest[] =>
    receiver.requests.filter((request) => request.path === path);

  function verified(secret: string, request: ReceivedRequest): Record<string, unknown> {
    return verifyWebhook<Record<string, unknown>>(secret, request);
  }

  async function publish(client: ApiClient, data: Record<string, unknown>): Promise<string> {
    const accepted = await client.request<{ id: string }>('POST', '/v1/events', {
      type: 'meter.created',
      data,
    });
    expect(accepted.status).toBe(202);
    return accepted.body.id;
  }

  async function deadLetterOf(client: ApiClient, eventId: string): Promise<DeliveryDetail> {
    return waitFor(
      `the delivery of ${eventId} in /v1/dead-letters`,
      async () =>
        (await client.request<Page<DeliveryDetail>>('GET', '/v1/dead-letters')).body.data.find(
          (deadLetter) => deadLetter.event_id === eventId,
        ),
      20_000,
      200,
    );
  }

  it('dead-letters a delivery to a failing receiver with its whole history; redrive delivers it once fixed', async () => {
    const path = '/history/redrive';
    failing.add(path);
    const { client } = await operator.createTenant('history-redrive');
    const subscription = await client.request<{ id: string; secret: string }>(
      'POST',
      '/v1/subscriptions',
      { event_types: ['meter.*'], destination: { type: 'webhook', url: receiver.url + path } },
    );
    const eventId = await publish(client, { meter_id: 'm-dead' });

    const retrying = await waitFor('the delivery to be retrying', async () => {
      const page = await client.request<Page<DeliveryItem>>(
        'GET',
        `/v1/deliveries?event_id=${eventId}&status=retrying`,
      );
      return page.body.data[0];
    });
    expect(retrying.next_attempt_at).toEqual(expect.any(String));

    const deadLetter = await deadLetterOf(client, eventId);
    expect(deadLetter).toMatchObject({
      subscription_id: subscription.body.id,
      event_type: 'meter.created',
      origin: 'event',
      status: 'dead',
      next_attempt_at: null,
      redriven_at: null,
    });
    expect(deadLetter.attempts.map((a) => [a.attempt, a.outcome, a.status_code])).toEqual([
      [1, 'failed', 500],
      [2, 'failed', 500],
      [3, 'failed', 500],
    ]);
    for (const attempt of deadLetter.attempts) {
      expect(attempt.error_class).toBe('retryable');
      expect(attempt.response_excerpt).toBe('receiver is down for maintenance');
      expect(attempt.duration_ms).toBeGreaterThanOrEqual(0);
    }
    const found = await client.request<Page<DeliveryItem>>(
      'GET',
      `/v1/deliveries?q=${encodeURIComponent('DOWN FOR MAINTENANCE')}`,
    );
    expect(found.body.data.map((d) => d.id)).toEqual([deadLetter.id]);
    expect(requestsTo(path)).toHaveLength(3);

    failing.delete(path);
    const redrive = await client.request<{
      redriven: number;
      deliveries: DeliveryItem[];
      has_more: boolean;
    }>('POST', '/v1/dead-letters/redrive', { subscription_id: subscription.body.id });
    expect(redrive.status).toBe(202);
    expect(redrive.body).toMatchObject({ redriven: 1, has_more: false });
    const redriven = redrive.body.deliveries[0];
    // A new delivery in the history, sending the same message: the dead one's webhook-id.
    expect(redriven).toMatchObject({
      event_id: eventId,
      origin: 'retry',
      webhook_id: deadLetter.id,
    });

    const arrived = await waitFor('the redriven delivery at the receiver', () =>
      requestsTo(path).find(
        (request) =>
          (JSON.parse(request.body) as { delivery_id: string }).delivery_id === redriven.id,
      ),
    );
    expect(arrived.headers['webhook-id']).toBe(deadLetter.id);
    expect(verified(subscription.body.secret, arrived)).toMatchObject({
      id: eventId,
      type: 'meter.created',
      delivery_id: redriven.id,
      data: { meter_id: 'm-dead' },
    });
    const detail = await waitFor('the redriven delivery to succeed', async () => {
      const response = await client.request<DeliveryDetail>('GET', `/v1/deliveries/${redriven.id}`);
      return response.body.status === 'succeeded' && response.body;
    });
    expect(detail.attempts.map((a) => [a.attempt, a.outcome, a.status_code])).toEqual([
      [1, 'succeeded', 200],
    ]);

    expect(
      (await client.request<Page<DeliveryDetail>>('GET', '/v1/dead-letters')).body.data,
    ).toEqual([]);
    const again = await client.request<{ redriven: number }>('POST', '/v1/dead-letters/redrive', {
      subscription_id: subscription.body.id,
    });
    expect(again.body.redriven).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(requestsTo(path)).toHaveLength(4);
  });

  it('retries any delivery now as a new one that reaches the receiver', async () => {
    const path = '/history/retry';
    const { client } = await operator.createTenant('history-retry');
    await client.request('POST', '/v1/subscriptions', {
      event_types: ['meter.*'],
      destination: { type: 'webhook', url: receiver.url + path },
    });
    const eventId = await publish(client, { meter_id: 'm-retry' });
    const first = await waitFor('the first delivery', () => requestsTo(path)[0]);
    const original = String(first.headers['webhook-id']);

    const retry = await client.request<DeliveryItem>('POST', `/v1/deliveries/${original}/retry`);
    expect(retry.status).toBe(202);
    expect(retry.body).toMatchObject({ event_id: eventId, origin: 'retry' });
    const resent = await waitFor('the retry at the receiver', () =>
      requestsTo(path).find(
        (request) =>
          (JSON.parse(request.body) as { delivery_id: string }).delivery_id === retry.body.id,
      ),
    );
    expect(JSON.parse(resent.body)).toMatchObject({ id: eventId, delivery_id: retry.body.id });
    // The same message sent again: receivers de-duplicating on webhook-id see it as such.
    expect(resent.headers['webhook-id']).toBe(original);
    expect(retry.body.webhook_id).toBe(original);
  });

  it('tests a subscription: the test event reaches it and the call answers with the attempt', async () => {
    const path = '/history/test';
    const { client } = await operator.createTenant('history-test');
    const subscription = await client.request<{ id: string; secret: string }>(
      'POST',
      '/v1/subscriptions',
      { event_types: ['meter.*'], destination: { type: 'webhook', url: receiver.url + path } },
    );
    const response = await client.request<{ delivery: DeliveryItem; attempt: AttemptItem }>(
      'POST',
      `/v1/subscriptions/${subscription.body.id}/test`,
      { data: { hello: 'world' } },
    );
    expect(response.status).toBe(200);
    expect(response.body.delivery).toMatchObject({
      subscription_id: subscription.body.id,
      event_type: 'herald.test',
      origin: 'test',
      status: 'succeeded',
      attempts: 1,
    });
    expect(response.body.attempt).toMatchObject({
      attempt: 1,
      outcome: 'succeeded',
      status_code: 200,
      response_excerpt: 'ok',
    });
    const [received] = requestsTo(path);
    expect(received.headers['webhook-id']).toBe(response.body.delivery.id);
    expect(verified(subscription.body.secret, received)).toMatchObject({
      type: 'herald.test',
      subscription_id: subscription.body.id,
      data: { hello: 'world' },
    });

    failing.add(path);
    const failed = await client.request<{ delivery: DeliveryItem; attempt: AttemptItem }>(
      'POST',
      `/v1/subscriptions/${subscription.body.id}/test`,
    );
    expect(failed.status).toBe(200);
    expect(failed.body.attempt).toMatchObject({ outcome: 'failed', status_code: 500 });
    expect(failed.body.delivery.status).toBe('retrying');
    failing.delete(path);
  });

  it('tests a subscription without data: the receiver gets the example of its type from the catalog', async () => {
    const path = '/history/test-example';
    const { client } = await operator.createTenant('history-test-example');
    const example = { meter_id: 'm-1', readings: [{ at: '2024-05-02T12:30:00Z', kwh: 0.42 }] };
    const eventType = await client.request('POST', '/v1/event-types', {
      name: 'meter_data.received',
      examples: [example, { meter_id: 'm-2', readings: [] }],
    });
    expect(eventType.status).toBe(201);
    const subscription = await client.request<{ id: string; secret: string }>(
      'POST',
      '/v1/subscriptions',
      { event_types: ['meter_data.*'], destination: { type: 'webhook', url: receiver.url + path } },
    );
    const response = await client.request<{ delivery: DeliveryItem; attempt: AttemptItem }>(
      'POST',
      `/v1/subscriptions/${subscription.body.id}/test`,
    );
    expect(response.status).toBe(200);
    expect(response.body.delivery).toMatchObject({
      event_type: 'meter_data.received',
      origin: 'test',
      status: 'succeeded',
    });
    const [received] = requestsTo(path);
    const body = verified(subscription.body.secret, received);
    expect(body).toMatchObject({
      type: 'meter_data.received',
      subscription_id: subscription.body.id,
      delivery_id: response.body.delivery.id,
    });
    expect(body.data).toEqual(example);
  });

  it('recovers the failed deliveries of a subscription since a time, once', async () => {
    const path = '/history/recover';
    failing.add(path);
    const { client } = await operator.createTenant('history-recover');
    const subscription = await client.request<{ id: string }>('POST', '/v1/subscriptions', {
      event_types: ['meter.*'],
      destination: { type: 'webhook', url: receiver.url + path },
    });
    const since = new Date().toISOString();
    const eventIds = [
      await publish(client, { meter_id: 'm-r1' }),
      await publish(client, { meter_id: 'm-r2' }),
    ];
    for (const eventId of eventIds) await deadLetterOf(client, eventId);

    failing.delete(path);
    const recovered = await client.request<{ recovered: number }>(
      'POST',
      `/v1/subscriptions/${subscription.body.id}/recover`,
      { since },
    );
    expect(recovered.status).toBe(202);
    expect(recovered.body).toEqual({ recovered: 2 });
    const delivered = await waitFor('both recovered deliveries at the receiver', () => {
      const ok = requestsTo(path)
        .map((request) => JSON.parse(request.body) as { id: string; delivery_id: string })
        .filter(
          (body, index, all) => all.findIndex((b) => b.delivery_id === body.delivery_id) === index,
        );
      const ids = new Set(ok.map((body) => body.id));
      return eventIds.every((id) => ids.has(id)) && ok.length === 4 && ok;
    });
    expect(delivered).toHaveLength(4);
    await waitFor('the recovered deliveries to succeed', async () => {
      const page = await client.request<Page<DeliveryItem>>(
        'GET',
        `/v1/deliveries?subscription_id=${subscription.body.id}&status=succeeded`,
      );
      return page.body.data.length === 2 && page.body.data.every((d) => d.origin === 'retry');
    });
    const again = await client.request<{ recovered: number }>(
      'POST',
      `/v1/subscriptions/${subscription.body.id}/recover`,
      { since },
    );
    expect(again.body).toEqual({ recovered: 0 });
  });

  it('exports the history as CSV that parses, one row per delivery', async () => {
    const path = '/history/csv';
    const { client, apiKey } = await operator.createTenant('history-csv');
    const subscription = await client.request<{ id: string }>('POST', '/v1/subscriptions', {
      event_types: ['meter.*'],
      destination: { type: 'webhook', url: receiver.url + path },
    });
    const eventIds = [
      await publish(client, { meter_id: 'm-c1' }),
      await publish(client, { meter_id: 'm-c2' }),
    ];
    await waitFor('both events delivered', async () => {
      const page = await client.request<Page<DeliveryItem>>(
        'GET',
        '/v1/deliveries?status=succeeded',
      );
      return page.body.data.length === 2;
    });
    const test = await client.request<{ delivery: DeliveryItem }>(
      'POST',
      `/v1/subscriptions/${subscription.body.id}/test`,
    );
    expect(test.status).toBe(200);

    const response = await fetch(
      `${herald.apiUrl}/v1/deliveries?format=csv&subscription_id=${subscription.body.id}`,
      { headers: { authorization: `Bearer ${apiKey}` } },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/csv');
    const [header, ...rows] = parseCsv(await response.text());
    expect(header).toEqual([
      'id',
      'webhook_id',
      'subscription_id',
      'event_id',
      'event_type',
      'origin',
      'status',
      'attempts',
      'next_attempt_at',
      'last_attempt_at',
      'created_at',
      'updated_at',
    ]);
    const records = rows.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i]])));
    expect(records[0]).toMatchObject({ id: test.body.delivery.id, origin: 'test' });
    expect(records.map((r) => r.id)).toEqual(
      records
        .map((r) => r.id)
        .sort()
        .reverse(),
    );
    expect(records.slice(1).map((r) => r.origin)).toEqual(['event', 'event']);
    expect(new Set(records.slice(1).map((r) => r.event_id))).toEqual(new Set(eventIds));
    for (const record of records) {
      expect(record).toMatchObject({
        subscription_id: subscription.body.id,
        status: 'succeeded',
        attempts: '1',
        next_attempt_at: '',
      });
      expect(Number.isNaN(Date.parse(record.last_attempt_at))).toBe(false);
    }
  });
});
