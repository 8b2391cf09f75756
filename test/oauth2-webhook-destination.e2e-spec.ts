import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiClient, testConfig, waitFor } from '@herald/testing';
import { startHerald, type RunningHerald } from './support/herald-harness';

const CLIENT_SECRET = 'oauth2-client-secret-e2e';
const HEADER_SECRET = 'header-secret-e2e';

type DeliveryDetail = {
  id: string;
  status: string;
  attempts: { outcome: string; status_code: number | null; error_message: string | null }[];
};

async function listen(
  handler: (request: IncomingMessage, body: string, response: ServerResponse) => void,
): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => handler(request, Buffer.concat(chunks).toString('utf8'), response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('oauth2_webhook destination: events POSTed with a client-credentials token', () => {
  let herald: RunningHerald;
  let operator: ApiClient;
  let tokenServer: { server: Server; url: string };
  let receiver: { server: Server; url: string };
  let tokenRequests = 0;
  let failTokens = false;
  const received: { authorization?: string; body: string }[] = [];
  let logged = '';

  beforeAll(async () => {
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write.bind(stream);
      jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: []) => {
        logged += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
        return write(chunk, ...rest);
      });
    }
    tokenServer = await listen((_request, _body, response) => {
      tokenRequests += 1;
      if (failTokens) {
        response.writeHead(400, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: 'invalid_client' }));
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          access_token: `tok-${tokenRequests}`,
          token_type: 'Bearer',
          expires_in: 3600,
        }),
      );
    });
    receiver = await listen((request, body, response) => {
      received.push({ authorization: request.headers.authorization, body });
      response.writeHead(204).end();
    });
    herald = await startHerald(testConfig({ HERALD_RETRY_SCHEDULE: '300ms' }));
    operator = new ApiClient(herald.apiUrl, herald.config.auth.adminToken);
  });

  afterAll(async () => {
    await herald.stop();
    await Promise.all(
      [tokenServer.server, receiver.server].map(
        (server) => new Promise((resolve) => server.close(resolve)),
      ),
    );
    jest.restoreAllMocks();
  });

  async function subscribe(client: ApiClient, path: string, tokenPath = '/oauth/token') {
    const created = await client.request<{ id: string; destination: Record<string, unknown> }>(
      'POST',
      '/v1/subscriptions',
      {
        event_types: ['meter.created'],
        destination: {
          type: 'oauth2_webhook',
          url: `${receiver.url}${path}`,
          headers: { 'X-Api-Key': HEADER_SECRET },
          token_url: `${tokenServer.url}${tokenPath}`,
          client_id: 'herald',
          client_secret: CLIENT_SECRET,
          scope: 'events:write',
        },
      },
    );
    expect(created.status).toBe(201);
    return created.body;
  }

  const publish = async (client: ApiClient, n: number) => {
    const event = await client.request<{ id: string }>('POST', '/v1/events', {
      type: 'meter.created',
      occurred_at: '2024-05-02T12:31:26.257Z',
      data: { meter_id: `m-${n}` },
    });
    expect(event.status).toBe(202);
    return event.body.id;
  };

  const deliveryOf = (client: ApiClient, eventId: string, status: string) =>
    waitFor(`the delivery of ${eventId} to be ${status}`, async () => {
      const page = await client.request<{ data: { id: string }[] }>(
        'GET',
        `/v1/deliveries?event_id=${encodeURIComponent(eventId)}&status=${status}`,
      );
      const delivery = page.body.data?.[0];
      if (!delivery) return undefined;
      return (await client.request<DeliveryDetail>('GET', `/v1/deliveries/${delivery.id}`)).body;
    });

  it('delivers events with one token, reused, and never shows or logs the secrets', async () => {
    const { client } = await operator.createTenant('oauth2-delivered');
    const subscription = await subscribe(client, '/hooks');
    expect(subscription.destination).toMatchObject({
      type: 'oauth2_webhook',
      client_secret: '********',
      headers: { 'X-Api-Key': '********' },
    });
    const before = tokenRequests;
    const first = await publish(client, 1);
    await deliveryOf(client, first, 'succeeded');
    const second = await publish(client, 2);
    await deliveryOf(client, second, 'succeeded');
    expect(tokenRequests - before).toBe(1);
    expect(received.slice(-2).map((r) => r.authorization)).toEqual([
      `Bearer tok-${before + 1}`,
      `Bearer tok-${before + 1}`,
    ]);

    const read = await client.request<unknown>('GET', `/v1/subscriptions/${subscription.id}`);
    const types = await client.request<unknown>('GET', '/v1/destination-types');
    for (const text of [JSON.stringify(read.body), JSON.stringify(types.body), logged]) {
      expect(text).not.toContain(CLIENT_SECRET);
      expect(text).not.toContain(HEADER_SECRET);
    }
  });

  it('records a failing token endpoint as a failed attempt with the reason', async () => {
    failTokens = true;
    try {
      const { client } = await operator.createTenant('oauth2-failing');
      await subscribe(client, '/never', '/oauth/other-token');
      const eventId = await publish(client, 3);
      const delivery = await deliveryOf(client, eventId, 'dead');
      expect(delivery.attempts[0]).toMatchObject({
        outcome: 'failed',
        status_code: null,
        error_message: 'token endpoint answered 400: invalid_client',
      });
      expect(received.some((r) => r.authorization === undefined)).toBe(false);
      expect(logged).not.toContain(CLIENT_SECRET);
    } finally {
      failTokens = false;
    }
  });
});
